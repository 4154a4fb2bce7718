// The lint of `/login`'s own script, `app/src/pages/login.js` (it runs in
// the browser as it is written: no build step checks it). scripts/test.sh runs
// it from the project folder:
//   eslint --config end2end/eslint.config.mjs app/src/pages/login.js
import js from "@eslint/js";
import globals from "globals";

// What the page tells the script (login.rs's data attributes) is never
// written in it a second time, and it decides by an error's code, not its words.
const wiredByRust = [
  {
    selector: "Literal[value=/\\/(api|auth)\\//], TemplateElement[value.raw=/\\/(api|auth)\\//]",
    message: "Read endpoint paths from the page's data attributes (login.rs), not from literals.",
  },
  {
    selector:
      "BinaryExpression[operator=/^[!=]==?$/] > MemberExpression.left[property.name=/^(error|message)$/], " +
      "BinaryExpression[operator=/^[!=]==?$/] > MemberExpression.right[property.name=/^(error|message)$/], " +
      "CallExpression[callee.property.name=/^(includes|startsWith|endsWith|match|search)$/] > " +
      "MemberExpression.callee > MemberExpression.object[property.name=/^(error|message)$/]",
    message: "Decide by an error's `code`, never by its words.",
  },
];

export default [
  js.configs.recommended,
  {
    files: ["**/*.js"],
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: "module",
      globals: globals.browser,
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "no-restricted-syntax": ["error", ...wiredByRust],
      "no-var": "error",
      "prefer-const": "error",
      eqeqeq: "error",
    },
  },
];

// Lists the tests that were skipped, with their reasons, and under CI=true
// (.ci/run sets it) fails the run if there is any: CI has every service a
// test needs, so a skip there is a test that never ran, not a pass.
import type { FullResult, Reporter, TestCase, TestResult } from "@playwright/test/reporter";

export default class NoSkips implements Reporter {
  private skipped: string[] = [];

  onTestEnd(test: TestCase, result: TestResult) {
    if (result.status !== "skipped") return;
    const why = test.annotations
      .filter((annotation) => annotation.type === "skip")
      .map((annotation) => annotation.description ?? "")
      .join("; ");
    const title = test.titlePath().filter(Boolean).join(" › ");
    this.skipped.push(why ? `${title}: ${why}` : title);
  }

  onEnd(result: FullResult): { status?: FullResult["status"] } | void {
    if (this.skipped.length === 0) return;
    const ci = process.env.CI === "true";
    console.log(
      `\n${this.skipped.length} skipped${ci ? ", which fails the run under CI=true" : ""}:\n` +
        this.skipped.map((title) => `  ${title}`).join("\n"),
    );
    if (ci && result.status === "passed") return { status: "failed" };
  }
}

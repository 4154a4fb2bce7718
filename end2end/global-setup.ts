import { startServer } from "./server";

// One server for the suite; tests that need their own start it themselves.
export default async function globalSetup() {
  const server = await startServer();
  process.env.E2E_BASE_URL = server.baseURL;
  return async () => server.stop();
}

import { defineConfig } from "vitest/config";
import { playwright } from "@vitest/browser-playwright";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export default defineConfig({
  define: { __HITL_VERSION__: JSON.stringify("test") },
  test: {
    projects: [
      {
        define: { __HITL_VERSION__: JSON.stringify("test") },
        test: {
          name: "dom", include: ["js/**/*.test.ts"], exclude: ["js/**/*.browser.test.ts"], environment: "happy-dom",
          setupFiles: ["js/testing/setup-views.ts"],
        },
      },
      {
        define: { __HITL_VERSION__: JSON.stringify("test") },
        test: {
          name: "browser",
          include: ["js/**/*.browser.test.ts"],
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: {
                executablePath: CHROMIUM,
                args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                       "--disable-background-networking", "--disable-component-update", "--disable-sync"],
              },
            }),
            instances: [{ browser: "chromium" }],
            screenshotFailures: false, // keep the source tree clean (no __screenshots__ next to tests)
          },
        },
      },
    ],
  },
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    {
      // @actions/workflow-parser ships source maps without their sources; Vite warns once per file.
      name: "quiet-missing-dependency-sources",
      configResolved(config) {
        const warnOnce = config.logger.warnOnce.bind(config.logger);
        config.logger.warnOnce = (message, options) => {
          if (!message.includes("points to missing source files")) warnOnce(message, options);
        };
      },
    },
  ],
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites bind fixed loopback ports and spawn real daemons: run files one at a time.
    fileParallelism: false,
    reporters: ["default"],
    // GitHub's workflow parser imports its bundled JSON schema without an import attribute,
    // which Node refuses; let Vite transform it (used by test/init/workflow.test.ts).
    server: { deps: { inline: ["@actions/workflow-parser"] } },
  },
});

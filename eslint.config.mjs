// ESLint for the front-end (js/): eslint's recommended rules and typescript-eslint's recommended
// set (syntax only, no type information: the whole tree lints in seconds, and `tsc --noEmit`
// already checks the types). `npm run lint` runs it over the repository's JS and TS (js/, the configs).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  // what .gitignore leaves out (build output, environments, test artefacts) is not linted either
  { ignores: ["hitl_widgets/static/**", "node_modules/**", ".venv/**", "dist/**", "build/**", "test-results/**", "test-artifacts/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      // a parameter kept for its place in a callback's signature is named _x
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  {
    // tests drive the views through js/testing/fake-model.js, plain JS without types, and forge
    // malformed messages on purpose: `any` is how they say so
    files: ["js/**/*.test.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // plain JS run by node (the build script, this file) or in the page (the fake model)
    files: ["**/*.js", "**/*.mjs"],
    languageOptions: { globals: { console: "readonly", process: "readonly" } },
  },
);

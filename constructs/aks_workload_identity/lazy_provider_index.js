// Preloaded into the jsii kernel's Node process (NODE_OPTIONS=--require, see runtime.py).
//
// A prebuilt provider's lib/index.js is nothing but one assignment per resource (azurerm: 1,527
// of them, ~2.4 s and most of the kernel's memory): `exports.x = require("./x");` in cdktf's
// (@cdktf/provider-*), `exports.x = __importStar(require("./x/index"));` in cdktn's
// (@cdktn/provider-*), after tsc's three helper functions. The kernel finds a type by walking
// that object (`index.keyVault.KeyVault`), so turning each assignment into a getter that
// requires the submodule on first use loads only what the app touches. Any index that does not
// have exactly one of these shapes is loaded the ordinary way.
"use strict";

const Module = require("module");
const fs = require("fs");

const PROVIDER_INDEX = /[\\/]@cdkt[fn][\\/]provider-[a-z0-9-]+[\\/](?:[^\\/]+[\\/]){0,2}lib[\\/]index\.js$/;
const ASSIGNMENT =
  /^exports\.([A-Za-z_$][\w$]*) = (__importStar\()?require\("(\.\/[\w./-]+)"\)(\))?;$/;
// tsc's helpers, which cdktn's index defines before its exports: the lines that start in the first
// column are exactly these (the bodies are indented), and the index may use only __importStar.
const HELPER_LINE = new RegExp(
  [
    /^var __(?:createBinding|setModuleDefault|importStar) = \(this && this\.__\w+\) \|\| .*$/,
    /^\}\) : (?:\()?function\((?:o, m, k, k2|o, v)\) \{$/, /^\}\)\);$/, /^\}\);$/, /^\}\)\(\);$/,
    /^\s.*$/,
  ].map((r) => r.source).join("|"),
);
const HARMLESS = new RegExp(
  [
    /^$/, /^"use strict";$/, /^\/\*\*$/, /^\s*\*.*$/, /^\/\/.*$/,
    /^Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);$/,
    /^(?:exports\.[\w$]+ = )+void 0;$/, // tsc's forward declaration of every export
  ].map((r) => r.source).join("|"),
);

function parseIndex(source) {
  const assignments = [];
  let helpers = "";
  let helpersEnded = false;
  for (const line of source.split("\n")) {
    const match = ASSIGNMENT.exec(line);
    if (match) {
      if (Boolean(match[2]) !== Boolean(match[4])) return null;
      if (match[2] && !helpers) return null;
      assignments.push([match[1], match[3], Boolean(match[2])]);
      helpersEnded = true;
    } else if (HARMLESS.test(line)) {
      if (line.startsWith("Object.defineProperty(exports")) helpersEnded = true;
    } else if (!helpersEnded && HELPER_LINE.test(line)) {
      helpers += `${line}\n`;
    } else return null;
  }
  return assignments.length > 0 ? { assignments, helpers } : null;
}

// The index's own __importStar, so a lazy export is exactly what the eager one would have been.
function importStarOf(helpers, exports) {
  if (!helpers) return null;
  return new Function(`${helpers}\nreturn __importStar;`).call(exports);
}

const loadJavaScript = Module._extensions[".js"];
Module._extensions[".js"] = function lazyProviderIndex(module, filename) {
  const parsed = PROVIDER_INDEX.test(filename)
    ? parseIndex(fs.readFileSync(filename, "utf8"))
    : null;
  if (parsed === null) return loadJavaScript(module, filename);
  const exports = module.exports;
  Object.defineProperty(exports, "__esModule", { value: true });
  const importStar = importStarOf(parsed.helpers, exports);
  for (const [name, request, starred] of parsed.assignments) {
    Object.defineProperty(exports, name, {
      configurable: true,
      enumerable: true,
      get() {
        const required = module.require(request);
        const value = starred ? importStar(required) : required;
        Object.defineProperty(exports, name, { value, enumerable: true, writable: true });
        return value;
      },
    });
  }
  module.loaded = true;
};

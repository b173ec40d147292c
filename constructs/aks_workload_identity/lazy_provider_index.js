// Preloaded into the jsii kernel's Node process (NODE_OPTIONS=--require, see runtime.py).
//
// A prebuilt cdktf provider's lib/index.js is nothing but `exports.x = require("./x");` for
// every resource (azurerm: 1,527 of them, ~2.4 s and most of the kernel's memory). The kernel
// finds a type by walking that object (`index.keyVault.KeyVault`), so turning each assignment
// into a getter that requires the submodule on first use loads only what the app touches.
// Any index that does not have exactly that shape is loaded the ordinary way.
"use strict";

const Module = require("module");
const fs = require("fs");

const PROVIDER_INDEX = /[\\/]@cdktf[\\/]provider-[a-z0-9-]+[\\/](?:[^\\/]+[\\/]){0,2}lib[\\/]index\.js$/;
const ASSIGNMENT = /^exports\.([A-Za-z_$][\w$]*) = require\("(\.\/[\w.-]+)"\);$/;
const HARMLESS = new RegExp(
  [
    /^$/, /^"use strict";$/, /^\/\*\*$/, /^\s*\*.*$/, /^\/\/.*$/,
    /^Object\.defineProperty\(exports, "__esModule", \{ value: true \}\);$/,
    /^(?:exports\.[\w$]+ = )+void 0;$/, // tsc's forward declaration of every export
  ].map((r) => r.source).join("|"),
);

function parseIndex(source) {
  const assignments = [];
  for (const line of source.split("\n")) {
    const match = ASSIGNMENT.exec(line);
    if (match) assignments.push([match[1], match[2]]);
    else if (!HARMLESS.test(line)) return null;
  }
  return assignments.length > 0 ? assignments : null;
}

const loadJavaScript = Module._extensions[".js"];
Module._extensions[".js"] = function lazyProviderIndex(module, filename) {
  const assignments = PROVIDER_INDEX.test(filename)
    ? parseIndex(fs.readFileSync(filename, "utf8"))
    : null;
  if (assignments === null) return loadJavaScript(module, filename);
  const exports = module.exports;
  Object.defineProperty(exports, "__esModule", { value: true });
  for (const [name, request] of assignments) {
    Object.defineProperty(exports, name, {
      configurable: true,
      enumerable: true,
      get() {
        const value = module.require(request);
        Object.defineProperty(exports, name, { value, enumerable: true, writable: true });
        return value;
      },
    });
  }
  module.loaded = true;
};

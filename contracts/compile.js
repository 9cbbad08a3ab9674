#!/usr/bin/env node
// Compile contracts/*.sol and contracts/test/*.sol with the solc-js compiler pinned in package.json (its wasm
// build ships inside the npm package: nothing is downloaded). Writes one <Contract>.json per contract (abi,
// bytecode) and manifest.json (compiler version, hash of the sources) into contracts/build/ or the directory
// given as the first argument. Exits non-zero on any compiler error.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const solc = require("solc");

const root = __dirname;
const outDir = path.resolve(process.argv[2] || path.join(root, "build"));

function listSources() {
  const files = [];
  for (const dir of ["", "test"]) {
    const full = path.join(root, dir);
    for (const name of fs.readdirSync(full).sort()) {
      if (name.endsWith(".sol")) files.push(dir ? `${dir}/${name}` : name);
    }
  }
  return files;
}

const files = listSources();
const sources = {};
const hash = crypto.createHash("sha256");
for (const file of files) {
  const content = fs.readFileSync(path.join(root, file), "utf8");
  sources[file] = { content };
  hash.update(file + "\0" + content + "\0");
}

const input = {
  language: "Solidity",
  sources,
  settings: {
    // Cancun: supported by current mainnet clients and by py-evm/eth-tester used in the tests.
    evmVersion: "cancun",
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};

function findImports(importPath) {
  const full = path.join(root, importPath);
  if (full.startsWith(root) && fs.existsSync(full)) return { contents: fs.readFileSync(full, "utf8") };
  return { error: `import not found: ${importPath}` };
}

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
let failed = false;
for (const message of output.errors || []) {
  if (message.severity === "error") failed = true;
  process.stderr.write(message.formattedMessage || message.message);
}
if (failed) process.exit(1);

fs.mkdirSync(outDir, { recursive: true });
const written = [];
for (const [file, contracts] of Object.entries(output.contracts)) {
  for (const [name, artifact] of Object.entries(contracts)) {
    const bytecode = artifact.evm.bytecode.object;
    if (!bytecode) continue; // interfaces and abstract contracts have nothing to deploy
    const document = { contractName: name, sourceName: file, abi: artifact.abi, bytecode: "0x" + bytecode };
    fs.writeFileSync(path.join(outDir, `${name}.json`), JSON.stringify(document, null, 1) + "\n");
    written.push(name);
  }
}
const manifest = { compiler: solc.version(), sourcesSha256: hash.digest("hex"), contracts: written.sort() };
fs.writeFileSync(path.join(outDir, "manifest.json"), JSON.stringify(manifest, null, 1) + "\n");
process.stdout.write(`compiled ${written.length} contracts with solc ${manifest.compiler} into ${outDir}\n`);

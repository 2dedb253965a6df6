// Compiles every contract in this folder with the solc version pinned in package.json and writes
// <Contract>.abi and <Contract>.bin (creation bytecode, hex) to the output folder named on the
// command line. The EVM version and optimizer settings are pinned here, next to the compiler, so
// the same sources always give the same bytecode on every machine.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const solc = require('solc');

// paris: no PUSH0, so the bytecode runs on any post-merge EVM, including a Besu QBFT network whose
// genesis enables only London-era forks.
const EVM_VERSION = 'paris';
const OPTIMIZER_RUNS = 200;

const here = path.dirname(new URL(import.meta.url).pathname);
const outDir = path.resolve(process.argv[2] ?? path.join(here, '..', 'target', 'contracts'));

const sources = {};
for (const file of fs.readdirSync(here).filter((f) => f.endsWith('.sol')).sort()) {
  sources[file] = { content: fs.readFileSync(path.join(here, file), 'utf8') };
}
if (Object.keys(sources).length === 0) {
  console.error(`no .sol files in ${here}`);
  process.exit(1);
}

const input = {
  language: 'Solidity',
  sources,
  settings: {
    evmVersion: EVM_VERSION,
    optimizer: { enabled: true, runs: OPTIMIZER_RUNS },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};

const output = JSON.parse(solc.compile(JSON.stringify(input)));
const problems = output.errors ?? [];
for (const problem of problems) {
  console.error(problem.formattedMessage ?? problem.message);
}
if (problems.some((p) => p.severity === 'error')) {
  process.exit(1);
}

fs.mkdirSync(outDir, { recursive: true });
let written = 0;
for (const [file, contracts] of Object.entries(output.contracts ?? {})) {
  for (const [name, artifact] of Object.entries(contracts)) {
    const bytecode = artifact.evm?.bytecode?.object ?? '';
    if (bytecode.length === 0) {
      continue; // interfaces and abstract contracts have nothing to deploy
    }
    fs.writeFileSync(path.join(outDir, `${name}.abi`), JSON.stringify(artifact.abi));
    fs.writeFileSync(path.join(outDir, `${name}.bin`), bytecode);
    written++;
  }
}
console.log(`solc ${solc.version()} (evm ${EVM_VERSION}): ${written} contracts from ${Object.keys(sources).length} files -> ${outDir}`);

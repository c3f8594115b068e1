// Prepended to every bundle by bin/run. cdktf zips assets by running its own fs module as a CLI
// (`node <that file> <src> <dest.zip>`); inside a bundle that file is the bundle itself, so hand the call
// to cdktf's real module in node_modules.
if (process.argv.length === 4 && process.argv[3].endsWith('.zip') && require('fs').statSync(process.argv[2], { throwIfNoEntry: false })?.isDirectory()) {
  const run = require('child_process').spawnSync(process.execPath, [require.resolve('cdktf/lib/private/fs.js'), process.argv[2], process.argv[3]], { stdio: 'inherit' });
  process.exit(run.status ?? 1);
}

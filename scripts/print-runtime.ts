// Scripts run on the Node that the `node` devDependency pins (npm puts it first
// on PATH). Fail loudly if that ever stops being true, e.g. after `npm ci --ignore-scripts`.
const major = Number(process.versions.node.split('.')[0]);
console.log(`runtime: Node ${process.version} (${process.execPath})`);
if (major < 24) {
  console.error(
    `This project needs Node 24 or later; got ${process.version}. Run scripts through npm so the pinned node package is used.`,
  );
  process.exit(1);
}

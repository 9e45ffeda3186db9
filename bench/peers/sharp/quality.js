// sharp's side of the quality-per-byte workload (bench/quality.sh).
// Usage: node quality.js DIR LIST OUT, each line of LIST being `FILE W H`.
// For each line: sharp's defaults, `.resize(w, h, {fit: "cover"}).jpeg()` (quality 80,
// baseline, 4:2:0, optimised Huffman tables, no mozjpeg), timed with process.cpuUsage (all
// threads) and written to OUT/{stem}-{W}x{H}.sharp.jpg; then two quality sweeps of the same
// resize, q 50..95 step 5, libjpeg-turbo (`.sharp-q{q}.jpg`) and mozjpeg: true
// (`.moz-q{q}.jpg`). The sweeps encode one resized raw copy, so they cost one resize; the
// q80 file of the first sweep is checked to equal the defaults' bytes. sharp's operation
// cache is off so each timed render does all its work.
// Prints one JSON line per case: {"case", "bytes", "cpu_ms"} of the defaults.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const sharp = require("sharp");

const [dir, listFile, out] = process.argv.slice(2);
const QUALITIES = [50, 55, 60, 65, 70, 75, 80, 85, 90, 95];
sharp.cache(false);
sharp.concurrency(0);

function cpuMs(start) {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function defaults(source, w, h) {
  const start = process.cpuUsage();
  const buf = await sharp(source).resize(w, h, { fit: "cover" }).jpeg().toBuffer();
  return { buf, cpu: cpuMs(start) };
}

async function sweep(source, w, h, stemOut, defaultsBuf) {
  const { data, info } = await sharp(source)
    .resize(w, h, { fit: "cover" })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw = { raw: { width: info.width, height: info.height, channels: info.channels } };
  for (const q of QUALITIES) {
    const plain = await sharp(data, raw).jpeg({ quality: q }).toBuffer();
    if (q === 80 && !plain.equals(defaultsBuf)) {
      console.error(`${stemOut}: the q80 sweep differs from the defaults' bytes`);
    }
    fs.writeFileSync(`${stemOut}.sharp-q${q}.jpg`, plain);
    const moz = await sharp(data, raw).jpeg({ quality: q, mozjpeg: true }).toBuffer();
    fs.writeFileSync(`${stemOut}.moz-q${q}.jpg`, moz);
  }
}

async function main() {
  fs.mkdirSync(out, { recursive: true });
  const lines = fs.readFileSync(listFile, "utf8").split("\n").filter((l) => l.trim());
  let warm = true;
  for (const line of lines) {
    const [file, w, h] = line.trim().split(/\s+/);
    const source = fs.readFileSync(path.join(dir, file));
    const kase = `${path.parse(file).name}-${w}x${h}`;
    if (warm) {
      await defaults(source, Number(w), Number(h)); // libvips' lazy set-up: not counted
      warm = false;
    }
    const { buf, cpu } = await defaults(source, Number(w), Number(h));
    fs.writeFileSync(path.join(out, `${kase}.sharp.jpg`), buf);
    await sweep(source, Number(w), Number(h), path.join(out, kase), buf);
    console.log(JSON.stringify({ case: kase, bytes: buf.length, cpu_ms: Number(cpu.toFixed(2)) }));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

// The sharp peer: GET /{w}x{h}/{file} answers `file` (from the folder given as argv[3])
// cover-resized and centre-cropped to w x h, JPEG Q75 progressive with optimised Huffman
// tables: the same job and output settings as picsum-rs's image service.
// Usage: node server.js PORT DIR
"use strict";
const http = require("node:http");
const path = require("node:path");
const sharp = require("sharp");

const port = Number(process.argv[2]);
const dir = process.argv[3];
// sharp's defaults otherwise (libvips threads = cores, its operation cache on).
sharp.concurrency(0);

http
  .createServer((req, res) => {
    const m = /^\/(\d+)x(\d+)\/([\w.-]+)$/.exec(req.url);
    if (!m) {
      res.writeHead(404).end();
      return;
    }
    sharp(path.join(dir, m[3]), { limitInputPixels: 100_000_000 })
      .resize(Number(m[1]), Number(m[2]), { fit: "cover", position: "centre" })
      .jpeg({ quality: 75, progressive: true, optimiseCoding: true })
      .toBuffer()
      .then((buf) => {
        res.writeHead(200, { "content-type": "image/jpeg", "content-length": buf.length });
        res.end(buf);
      })
      .catch((err) => {
        res.writeHead(422, { "content-type": "text/plain" }).end(String(err));
      });
  })
  .listen(port, "127.0.0.1");

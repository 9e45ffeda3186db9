// The sharp peer: GET /{w}x{h}/{file} answers `file` (from the folder given as argv[3])
// cover-resized and centre-cropped to w x h, JPEG Q75 progressive with optimised Huffman
// tables: the same job and output settings as picsum-rs's image service.
// GET /fit/{w}x{h}/q{q}/{file} fits `file` inside w x h (never enlarged), baseline JPEG at
// quality q with optimised Huffman tables: picfit's `op=fit` on ours (imgproxy-shaped).
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
    const cover = /^\/(\d+)x(\d+)\/([\w.-]+)$/.exec(req.url);
    const fit = /^\/fit\/(\d+)x(\d+)\/q(\d+)\/([\w.-]+)$/.exec(req.url);
    let work;
    if (cover) {
      work = sharp(path.join(dir, cover[3]), { limitInputPixels: 100_000_000 })
        .resize(Number(cover[1]), Number(cover[2]), { fit: "cover", position: "centre" })
        .jpeg({ quality: 75, progressive: true, optimiseCoding: true });
    } else if (fit) {
      work = sharp(path.join(dir, fit[4]), { limitInputPixels: 100_000_000 })
        .resize(Number(fit[1]), Number(fit[2]), { fit: "inside", withoutEnlargement: true })
        .jpeg({ quality: Number(fit[3]), optimiseCoding: true });
    } else {
      res.writeHead(404).end();
      return;
    }
    work
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

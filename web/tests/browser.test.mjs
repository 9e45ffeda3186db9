// Browser tests of the web site against the real running services: Debian's chromium
// driven by playwright-core. Started by scripts/browser-test.sh, which passes BASE_URL and
// ARTIFACTS (screenshots and page metrics land there).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { chromium } from "playwright-core";

const BASE = process.env.BASE_URL;
const ROOT = process.env.ROOT_URL ?? BASE;
const ARTIFACTS = process.env.ARTIFACTS ?? "../target/browser";
assert.ok(BASE, "BASE_URL must point at the running API");
mkdirSync(ARTIFACTS, { recursive: true });

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
let browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
  });
});
after(async () => { await browser?.close(); });

// A page that records console errors and failed requests.
async function open(viewport) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  // Aborted requests are the browser dropping an image whose src changed: not a failure.
  page.on("requestfailed", (r) => {
    if (r.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`);
  });
  return { page, problems, close: () => context.close() };
}

async function brokenImages(page) {
  return page.$$eval("img", (imgs) => imgs.filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => i.currentSrc || i.src));
}

// Lazy images load once near the viewport: bring each one into view, then wait for all.
async function waitForImages(page) {
  for (const img of await page.$$("img")) await img.scrollIntoViewIfNeeded();
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.waitForFunction(() => [...document.images].every((i) => i.complete), null, { timeout: 20000 });
}

test("landing page: every example image loads, no console errors, screenshots", async () => {
  for (const [name, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
    const { page, problems, close } = await open(viewport);
    await page.goto(`${BASE}/`, { waitUntil: "load" });
    await waitForImages(page);
    assert.deepEqual(await brokenImages(page), [], `${name}: broken images`);
    assert.ok((await page.$$("img")).length >= 12, "the docs show their examples");
    const text = await page.textContent("main");
    for (const form of ["/200/300", "/id/3/200/300", "/seed/picsum/200/300", "?grayscale", "?blur=2", "?random=1", ".webp", "/v2/list", "/id/0/info", "/seed/picsum/info", "Picsum-ID", "User Comment", "hmac",
      "?tag=nature", "?orientation=portrait", "?seed_mode=stable", "?lqip", "?color", "/id/9/meta", "/v2/pick", ".avif", "Sec-CH-DPR", "Picsum-Author", "/openapi.json"]) {
      assert.ok(text.includes(form), `docs mention ${form}`);
    }
    assert.ok(text.includes(`${ROOT}/200/300`), "examples use the configured root URL");
    // The /v2/pick example: six distinct photos, each on its colour and ThumbHash placeholder.
    await page.waitForFunction(() => document.querySelectorAll("#picked img").length === 6);
    const picked = await page.$$eval("#picked img", (imgs) => imgs.map((i) => ({ srcset: i.srcset, sizes: i.sizes, lqip: i.style.getPropertyValue("--lqip"), bg: getComputedStyle(i).backgroundImage, color: getComputedStyle(i).backgroundColor, alt: i.alt })));
    assert.equal(new Set(picked.map((p) => p.alt)).size, 6, "six different photos");
    for (const p of picked) {
      assert.match(p.srcset, /\/150\/100[^ ]* 150w, .* 300w, .* 600w, .* 900w$/);
      assert.equal(p.sizes, "(max-width: 300px) 100vw, 300px");
      // The CSS-only placeholder: lqip.css decodes the integer into a base colour and six
      // patches, exactly as crates/placeholder/src/css.rs encodes it.
      assert.match(p.lqip, /^-?\d{1,6}$/);
      assert.equal((p.bg.match(/radial-gradient/g) || []).length, 6, p.bg);
      const v = Number(p.lqip) + 524288;
      const want = [0.2 + 0.2 * (Math.floor(v / 262144) % 4), (Math.floor(v / 32768) % 8 - 3) * 0.04, (Math.floor(v / 4096) % 8 - 3) * 0.04];
      const got = p.color.match(/oklab\(([-\d.e]+) ([-\d.e]+) ([-\d.e]+)/);
      assert.ok(got, `an OKLab background colour: ${p.color}`);
      want.forEach((w, i) => assert.ok(Math.abs(Number(got[i + 1]) - w) < 1e-3, `${p.color} for --lqip ${p.lqip}: want ${want}`));
    }
    await waitForImages(page);
    assert.deepEqual(await brokenImages(page), [], `${name}: broken images after /v2/pick`);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: the page is ${overflow}px wider than the screen`);
    await page.screenshot({ path: `${ARTIFACTS}/index-${name}.png`, fullPage: true });
    if (name === "desktop") {
      const metrics = await page.evaluate(() => {
        const nav = performance.getEntriesByType("navigation")[0];
        const resources = performance.getEntriesByType("resource");
        const bytes = resources.reduce((s, r) => s + (r.transferSize || r.encodedBodySize || 0), nav.transferSize || 0);
        return { requests: resources.length + 1, transferBytes: bytes, domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd), loadMs: Math.round(nav.loadEventEnd) };
      });
      writeFileSync(`${ARTIFACTS}/index-metrics.json`, JSON.stringify(metrics, null, 2));
      console.log(`index page: ${metrics.requests} requests, ${metrics.transferBytes} bytes, DOMContentLoaded ${metrics.domContentLoadedMs} ms, load ${metrics.loadMs} ms`);
    }
    assert.deepEqual(problems, [], `${name}: console or network problems`);
    await close();
  }
});

test("gallery: pages forward and back through the Link header, the URL follows", async () => {
  const { page, problems, close } = await open(DESKTOP);
  const ids = async () => page.$$eval(".card figcaption a[aria-label]", (as) => as.map((a) => a.textContent));
  await page.goto(`${BASE}/images?limit=5`, { waitUntil: "load" });
  await page.waitForSelector(".card");
  const first = await ids();
  assert.equal(first.length, 5);
  await page.click("#next");
  await page.waitForURL(/page=2/);
  await page.waitForFunction((f) => document.querySelector(".card figcaption a[aria-label]")?.textContent !== f, first[0]);
  const second = await ids();
  assert.equal(second.length, 5);
  assert.notDeepEqual(second, first);
  await page.click("#prev");
  await page.waitForURL(/page=1/);
  await page.waitForFunction((f) => document.querySelector(".card figcaption a[aria-label]")?.textContent === f, first[0]);
  await page.goBack();
  await page.waitForURL(/page=2/);
  await page.waitForFunction((s) => document.querySelector(".card figcaption a[aria-label]")?.textContent === s, second[0]);
  // Reloading a shared URL shows the same page.
  await page.reload({ waitUntil: "load" });
  await page.waitForSelector(".card");
  assert.deepEqual(await ids(), second);
  assert.equal(await page.textContent("#page-label"), "Page 2");
  // Cards link the author's source and the download URL; images have alt text and a size.
  const card = await page.$eval(".card", (c) => ({
    alt: c.querySelector("img").alt, w: c.querySelector("img").getAttribute("width"),
    download: c.querySelector("a[aria-label]").href,
  }));
  assert.match(card.alt, /^Photo \d+ by /);
  assert.equal(card.w, "367");
  assert.match(card.download, /\/id\/\d+\/\d+\/\d+$/);
  await waitForImages(page);
  assert.deepEqual(await brokenImages(page), []);
  for (const [name, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
    await page.setViewportSize(viewport);
    await page.goto(`${BASE}/images`, { waitUntil: "load" });
    await page.waitForSelector(".card");
    await waitForImages(page);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name}: gallery wider than the screen`);
    await page.screenshot({ path: `${ARTIFACTS}/images-${name}.png`, fullPage: true });
  }
  assert.deepEqual(problems, []);
  await close();
});

test("URL builder: the built URL returns an image of the chosen size", async () => {
  const { page, problems, close } = await open(DESKTOP);
  await page.goto(`${BASE}/#builder`, { waitUntil: "load" });
  await page.check("input[name=pick][value=id]");
  await page.fill("input[name=id]", "3");
  await page.fill("input[name=width]", "320");
  await page.fill("input[name=height]", "240");
  await page.check("input[name=grayscale]");
  await page.fill("input[name=blur]", "2");
  await page.selectOption("select[name=format]", ".webp");
  const url = await page.textContent("#built-url");
  assert.equal(url, `${ROOT}/id/3/320/240.webp?grayscale&blur=2`);
  await page.waitForFunction(() => {
    const p = document.getElementById("preview");
    return p.complete && p.naturalWidth === 320 && p.naturalHeight === 240 && p.src.includes("/id/3/320/240.webp");
  }, null, { timeout: 20000 });
  // The URL itself, fetched by the browser, is a 320x240 WebP.
  const fetched = await page.evaluate(async (u) => {
    const res = await fetch(u);
    const blob = await res.blob();
    const bitmap = await createImageBitmap(blob);
    return { status: res.status, type: blob.type, w: bitmap.width, h: bitmap.height };
  }, url.replace(ROOT, BASE));
  assert.deepEqual(fetched, { status: 200, type: "image/webp", w: 320, h: 240 });
  // Keyboard: the copy button is reachable and labelled.
  await page.focus("#copy-url");
  assert.equal(await page.evaluate(() => document.activeElement.id), "copy-url");
  assert.deepEqual(problems, []);
  await close();
});

test("URL builder: the <img> and <picture> snippets are complete and load the photo", async () => {
  for (const [name, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
    const { page, problems, close } = await open(viewport);
    await page.goto(`${BASE}/#builder`, { waitUntil: "load" });
    await page.check("input[name=pick][value=seed]");
    await page.fill("input[name=seed]", "snippets");
    await page.fill("input[name=width]", "300");
    await page.fill("input[name=height]", "200");
    const img = await page.textContent("#snippet-img");
    const picture = await page.textContent("#snippet-picture");
    // Parsed as HTML, pointed at this server, put in the page: each loads a 300-wide candidate.
    const loaded = await page.evaluate(async ([root, base, html]) => {
      const out = [];
      for (const text of html) {
        const holder = document.createElement("div");
        holder.innerHTML = text.split(root).join(base);
        document.body.appendChild(holder);
        const el = holder.querySelector("img");
        el.loading = "eager"; // lazy images below the fold would wait for a scroll
        await new Promise((done) => { if (el.complete && el.naturalWidth) done(); else { el.onload = done; el.onerror = done; } });
        out.push({
          width: el.getAttribute("width"), height: el.getAttribute("height"), sizes: el.getAttribute("sizes"),
          candidates: (el.getAttribute("srcset") || "").split(", ").length, decoding: el.getAttribute("decoding"),
          background: el.style.backgroundImage, natural: [el.naturalWidth, el.naturalHeight],
          sources: [...holder.querySelectorAll("source")].map((s) => s.type), current: el.currentSrc,
        });
      }
      return out;
    }, [ROOT, BASE, [img, picture]]);
    assert.match(img, /^<img src="[^"]+\/seed\/snippets\/300\/200"/);
    assert.match(img, /loading="lazy" decoding="async"/);
    assert.match(img, /alt="/);
    for (const l of loaded) {
      assert.equal(l.width, "300");
      assert.equal(l.height, "200");
      assert.equal(l.sizes, "(max-width: 300px) 100vw, 300px");
      assert.equal(l.candidates, 4, "half, 1x, 2x and 3x");
      assert.equal(l.decoding, "async");
      assert.match(l.background, /\/seed\/snippets\/300\/200\?lqip/);
      assert.ok(l.natural[0] >= 150 && l.natural[0] / l.natural[1] === 1.5, `${name}: loaded ${l.natural} from ${l.current}`);
    }
    assert.deepEqual(loaded[0].sources, []);
    assert.deepEqual(loaded[1].sources, ["image/avif", "image/webp"]);
    assert.match(loaded[1].current, /\.(avif|webp)(\?|$)/, "chromium takes a modern format");
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `${name}: the page is ${overflow}px wider than the screen`);
    await page.locator("#url-builder").screenshot({ path: `${ARTIFACTS}/builder-snippets-${name}.png` });
    assert.deepEqual(problems, [], `${name}: console or network problems`);
    await close();
  }
});

test("gallery: filters by orientation and tag, shows ThumbHash placeholders while photos load", async () => {
  const { page, problems, close } = await open(DESKTOP);
  const ids = async () => page.$$eval(".card figcaption a[aria-label]", (as) => as.map((a) => a.textContent.slice(1)));
  const listed = async (query) => page.evaluate(async (q) => (await (await fetch(`/v2/list?limit=100${q}`)).json()).map((i) => i.id), query);
  await page.goto(`${BASE}/images?limit=100`, { waitUntil: "load" });
  await page.waitForSelector(".card");
  const all = await ids();
  await page.selectOption("select[name=orientation]", "portrait");
  await page.waitForURL(/orientation=portrait/);
  await page.waitForFunction((n) => document.querySelectorAll(".card").length !== n, all.length);
  const portrait = await ids();
  assert.ok(portrait.length > 0 && portrait.length < all.length);
  assert.deepEqual(portrait, await listed("&orientation=portrait"));
  await page.selectOption("select[name=orientation]", "");
  await page.waitForURL((u) => !u.search.includes("orientation"));
  await page.fill("input[name=tag]", "space");
  await page.click("#filters button[type=submit]");
  await page.waitForURL(/tag=space/);
  await page.waitForFunction(() => document.querySelectorAll(".card").length > 0 && document.querySelectorAll(".card").length < 10);
  const space = await ids();
  assert.deepEqual(space, await listed("&tag=space"));
  assert.ok(space.length >= 3);
  // Every card sits on its dominant colour and its blurred ThumbHash until the photo loads.
  const styles = await page.$$eval(".card img", (imgs) => imgs.map((i) => ({ color: i.style.backgroundColor, bg: i.style.backgroundImage })));
  for (const s of styles) {
    assert.match(s.color, /^rgb/);
    assert.match(s.bg, /\/367\/267\?lqip/);
  }
  const lqip = await page.evaluate(async (u) => {
    const res = await fetch(u);
    const bitmap = await createImageBitmap(await res.blob());
    return { status: res.status, type: res.headers.get("content-type"), w: bitmap.width };
  }, styles[0].bg.match(/url\("?([^")]+)"?\)/)[1]);
  assert.equal(lqip.status, 200);
  assert.equal(lqip.type, "image/png");
  assert.ok(lqip.w > 0 && lqip.w <= 32);
  // Back restores the portrait-free, tag-free view; a tag nothing has says so.
  await page.fill("input[name=tag]", "no-such-tag");
  await page.click("#filters button[type=submit]");
  await page.waitForFunction(() => document.getElementById("gallery").textContent.includes("No image matches"));
  assert.deepEqual(problems.filter((p) => !p.includes("404")), []);
  await close();

  // The placeholders, seen: photos held back, their ThumbHash and colour shown instead.
  const held = await open(DESKTOP);
  await held.page.route(/\/id\/\d+\/367\/267$/, () => {});
  const shown = held.page.waitForResponse((r) => r.url().includes("?lqip"));
  await held.page.goto(`${BASE}/images?limit=8`, { waitUntil: "domcontentloaded" });
  await held.page.waitForSelector(".card");
  await shown;
  await held.page.waitForTimeout(300);
  await held.page.screenshot({ path: `${ARTIFACTS}/images-placeholders.png`, fullPage: true });
  await held.close();
});

test("API reference: /docs renders both OpenAPI documents with nothing fetched from elsewhere", async () => {
  for (const [name, viewport] of [["desktop", DESKTOP], ["phone", PHONE]]) {
    for (const [spec, query, title, operation] of [
      ["api", "", "picsum", "/v2/pick"],
      ["images", "?spec=image-service", "image", "/id/{id}/{width}/{height}"],
    ]) {
      const { page, problems, close } = await open(viewport);
      const elsewhere = [];
      page.on("request", (r) => {
        const url = r.url();
        if (!url.startsWith(BASE) && !url.startsWith("data:") && !url.startsWith("blob:")) elsewhere.push(url);
      });
      await page.goto(`${BASE}/docs${query}`, { waitUntil: "load" });
      // Redoc has rendered the document: its title and the operations' paths are on the page.
      await page.waitForFunction(() => document.querySelector(".api-info h1") !== null, null, { timeout: 20000 });
      const heading = await page.textContent(".api-info h1");
      assert.match(heading.toLowerCase(), new RegExp(title), `${name}/${spec}: ${heading}`);
      const text = await page.textContent("#redoc");
      assert.ok(text.includes(operation), `${name}/${spec}: ${operation} is on the page`);
      assert.equal(await page.getAttribute(spec === "api" ? "#docs-api" : "#docs-images", "aria-current"), "page");
      if (name === "phone") {
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${name}/${spec}: the page is ${overflow}px wider than the screen`);
      }
      await page.screenshot({ path: `${ARTIFACTS}/docs-${spec}-${name}.png` });
      assert.deepEqual(elsewhere, [], `${name}/${spec}: requests left the origin`);
      assert.deepEqual(problems, [], `${name}/${spec}: console or network problems`);
      await close();
    }
  }
});

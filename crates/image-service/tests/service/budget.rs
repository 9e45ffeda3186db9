//! Every transformation has a budget, checked before any work (operations, overlay images)
//! and while it runs (output and work pixels): past it, a clear 400 that names what is over.

use super::*;

async fn refused(http: &reqwest::Client, url: &str, message: &str) {
    let (status, _, body) = get(http, url).await;
    let body = String::from_utf8_lossy(&body).into_owned();
    assert_eq!(status, 400, "{url}: {body}");
    assert!(body.contains(message), "{url}: {body}");
}

#[tokio::test]
async fn stacked_overlays_and_long_chains_are_refused_before_any_work() {
    let images = spawn_app(&[]).await;
    let http = client();
    let display = |qs: &str| format!("{}/display?path=quadrants.png&{qs}", images.base);
    // Each flat draws the same image 16 times (the most one flat may); three of them took
    // the process to 1.7 GB before.
    let paths = "+path:quadrants.png".repeat(16);
    let flat = format!("op=op:flat{paths}");
    refused(
        &http,
        &display(&format!("op=resize&w=200&{flat}&{flat}&{flat}")),
        "48 overlay images requested, at most 16 allowed",
    )
    .await;
    let (status, _, _) = get(&http, &display(&format!("op=resize&w=200&{flat}"))).await;
    assert_eq!(status, 200, "one flat of 16 is within the budget");
    let chain = "&op=op:rotate+deg:90".repeat(11);
    refused(
        &http,
        &display(&format!("op=resize&w=20{chain}")),
        "12 operations requested, at most 10 allowed",
    )
    .await;
}

#[tokio::test]
async fn outputs_and_work_are_bounded_in_pixels() {
    let images = spawn_app(&[("IMAGE_MAX_WORK_PIXELS", "1000000")]).await;
    let http = client();
    let display = |qs: &str| format!("{}/display?path=quadrants.png&{qs}", images.base);
    // 10000x10000 BMP (300 MB buffered by the encoder) or any 36-megapixel output.
    for qs in [
        "op=resize&w=10000&h=10000&fmt=bmp",
        "op=resize&w=6000&h=6000",
    ] {
        refused(&http, &display(qs), "is too large").await;
    }
    // Each step fits, together they pass the work budget (640k + 810k pixels).
    refused(
        &http,
        &display("op=resize&w=800&h=800&op=op:resize+w:900+h:900"),
        "pixels of work",
    )
    .await;
    let (status, ct, body) = get(&http, &display("op=resize&w=800&h=800")).await;
    assert_eq!((status, dimensions(&ct, &body)), (200, (800, 800)));
}

/// Answers waiting on clients that do not read count against the process's held bytes:
/// past the budget the next large answer is a 503 with `Retry-After`, and a client that
/// goes gives its share back. (Each client's share of the budget is `fairness.rs`'s; here
/// it is larger than the budget.)
#[tokio::test]
async fn answers_held_by_slow_clients_are_within_the_budget() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let images = spawn_app(&[
        ("IMAGE_MAX_HELD_BYTES", "20000000"),
        ("IMAGE_CLIENT_HELD_BYTES", "40000000"),
    ])
    .await;
    let http = client();
    // 2000x2000 BMPs: 12 MB each, more than the kernel's socket buffers take.
    let path = |w: u32| format!("/display?path=quadrants.png&op=resize&w={w}&h=2000&fmt=bmp");
    let addr = images.base.trim_start_matches("http://").to_owned();
    let mut slow = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {} HTTP/1.1\r\nHost: x\r\n\r\n", path(2000));
    slow.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0u8; 12];
    slow.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
    // The slow client's answer is held: a second one does not fit.
    let url = format!("{}{}", images.base, path(1999));
    let res = http.get(&url).send().await.unwrap();
    assert_eq!(res.status(), 503);
    assert_eq!(res.headers()["retry-after"], "1");
    // Small answers are not counted.
    let (status, _, _) = get(
        &http,
        &format!("{}/display?path=quadrants.png&op=resize&w=40", images.base),
    )
    .await;
    assert_eq!(status, 200);
    drop(slow);
    let mut status = 0;
    for _ in 0..50 {
        let (s, ct, body) = get(&http, &url).await;
        status = s;
        if s == 200 {
            assert_eq!(dimensions(&ct, &body), (1999, 2000));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "the slow client's share came back");
}

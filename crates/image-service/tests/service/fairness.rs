//! Fair shares under hostile load: a client past its CPU share is answered 429 with
//! `Retry-After` while other clients (and its own cache hits) are served; the same cost
//! caps hold on every dialect (AVIF's pixel cap, the per-request CPU estimate).

use super::*;

/// A client on another loopback address than the default one, so the service sees two
/// clients.
pub(crate) fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(ip))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_client_past_its_cpu_share_waits_and_others_do_not() {
    // A budget of one CPU-second per hour: a few renders of the 24 MP photo use it up.
    let images = spawn_app(&[
        ("IMAGE_CLIENT_CPU_SECONDS", "1"),
        ("IMAGE_CLIENT_CPU_WINDOW_SECONDS", "3600"),
    ])
    .await;
    let hog = client_from([127, 0, 0, 2]);
    let display = |w: u32| format!("{}/display?path=1.jpg&op=resize&w={w}&h=2000", images.base);
    let mut refused = None;
    for w in 1000..1040 {
        let res = hog.get(display(w)).send().await.unwrap();
        if res.status() == 429 {
            refused = Some(res);
            break;
        }
        assert_eq!(res.status(), 200);
    }
    let res = refused.expect("the hog was never refused");
    let wait = retry_after(&res);
    assert!(wait >= 1, "{wait}");
    let body = res.text().await.unwrap();
    assert!(body.contains("share of rendering"), "{body}");
    // Its cached answers are still served; another client renders as before.
    let (status, _, _) = get(&hog, &display(1000)).await;
    assert_eq!(status, 200, "cache hits do not spend CPU");
    let (status, ct, body) = get(&client_from([127, 0, 0, 3]), &display(1500)).await;
    assert_eq!(status, 200);
    assert_eq!(dimensions(&ct, &body), (1500, 2000));
}

#[tokio::test]
async fn avif_is_capped_on_every_dialect() {
    let images = spawn_app(&[]).await;
    let http = client();
    let display = |qs: &str| format!("{}/display?path=1.jpg&{qs}", images.base);
    let avif = |url: String| http.get(url).header("accept", "image/avif,image/webp,*/*");
    // Accepted, not named: past 6.25 MP it is WebP; within, AVIF.
    let res = avif(display("op=resize&w=3600&h=2400"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/webp");
    let ct = res.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(dimensions(&ct, &res.bytes().await.unwrap()), (3600, 2400));
    let res = avif(display("op=resize&w=600&h=400")).send().await.unwrap();
    assert_eq!(res.headers()["content-type"], "image/avif");
    // Named: refused, with the rule.
    let (status, _, body) = get(&http, &display("op=resize&w=3600&h=2400&fmt=avif")).await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("AVIF is limited to 6250000 pixels"));
}

#[tokio::test]
async fn a_request_estimated_over_the_cpu_cap_is_refused_before_any_work() {
    let images = spawn_app(&[]).await;
    let http = client();
    // Four blurs of sigma 50 on a 12 MP image: tens of CPU-seconds for 200 bytes of URL.
    let blur = "&op=op:effect+filter:blur+w:1000";
    let url = format!(
        "{}/display?path=1.jpg&op=resize&w=4200&h=2800{}",
        images.base,
        blur.repeat(4)
    );
    let started = std::time::Instant::now();
    let (status, _, body) = get(&http, &url).await;
    let body = String::from_utf8_lossy(&body).into_owned();
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("s of CPU"), "{body}");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(2),
        "refused before work"
    );
    // One blur of the same size is within it.
    let one = format!(
        "{}/display?path=1.jpg&op=resize&w=600&h=400{blur}",
        images.base
    );
    assert_eq!(get(&http, &one).await.0, 200);
}

/// Asks for `path` from `ip` and reads no more than the status line: the answer stays held.
async fn unread_from(ip: [u8; 4], base: &str, path: &str) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(std::net::SocketAddr::from((ip, 0))).unwrap();
    let server = base.trim_start_matches("http://").parse().unwrap();
    let mut conn = socket.connect(server).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0u8; 12];
    conn.read_exact(&mut head).await.unwrap();
    assert_eq!(&head, b"HTTP/1.1 200", "{path}");
    conn
}

/// A client whose slow answers hold its share of the held bytes is answered 429 with
/// `Retry-After` for its next large answer, while another client's large answer is served
/// (it was a 503 for everyone once the budget was full).
#[tokio::test]
async fn a_client_past_its_share_of_bytes_in_flight_waits_and_others_do_not() {
    let images = spawn_app(&[
        ("IMAGE_MAX_HELD_BYTES", "100000000"),
        ("IMAGE_CLIENT_HELD_BYTES", "30000000"),
    ])
    .await;
    // 2000x2000 BMPs: 12 MB each, more than the kernel's socket buffers take.
    let path = |w: u32| format!("/display?path=quadrants.png&op=resize&w={w}&h=2000&fmt=bmp");
    let slow = [
        unread_from([127, 0, 0, 2], &images.base, &path(2000)).await,
        unread_from([127, 0, 0, 2], &images.base, &path(1999)).await,
    ];
    let hog = client_from([127, 0, 0, 2]);
    let res = hog
        .get(format!("{}{}", images.base, path(1998)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let wait = retry_after(&res);
    assert!((1..=10).contains(&wait), "{wait}");
    let body = res.text().await.unwrap();
    assert!(body.contains("share of bytes in flight"), "{body}");
    // Its small answers never count; another client's large answer is served.
    let small = format!("{}/display?path=quadrants.png&op=resize&w=40", images.base);
    assert_eq!(get(&hog, &small).await.0, 200);
    let (status, ct, body) = get(
        &client_from([127, 0, 0, 3]),
        &format!("{}{}", images.base, path(1997)),
    )
    .await;
    assert_eq!((status, dimensions(&ct, &body)), (200, (1997, 2000)));
    // Once its slow connections go, the client's share comes back.
    drop(slow);
    let mut status = 0;
    for _ in 0..50 {
        status = get(&hog, &format!("{}{}", images.base, path(1998))).await.0;
        if status == 200 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, 200, "the slow client's share came back");
}

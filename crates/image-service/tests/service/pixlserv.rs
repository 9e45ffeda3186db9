//! pixlserv's dialect in process: crop modes, gravity, retina, presets and pixlserv's
//! error messages, with the answers decoded. Cases follow `pixlserv-picfit.md` §2.

use super::*;

#[tokio::test]
async fn crop_modes_gravity_retina_and_presets() {
    let images = spawn_app(&[(
        "IMAGE_PRESETS",
        "square=w_64,h_64,c_p;gray=w_30,f_grayscale",
    )])
    .await;
    let http = client();
    // (path, content type, width, height)
    let cases = [
        ("/image/w_100,h_100/1.jpg", "image/jpeg", 100, 100),
        // pixlserv rounds a derived side with floor(x + 0.7): 71.4 -> 72 (picfit: 71).
        ("/image/w_100/rounding.jpg", "image/jpeg", 100, 72),
        ("/image/w_100/quadrants.png", "image/png", 100, 50),
        ("/image/w_100,h_100,c_a/quadrants.png", "image/png", 100, 50),
        (
            "/image/w_400,h_400,c_a/quadrants.png",
            "image/png",
            400,
            200,
        ),
        ("/image/w_50,h_80,c_p/quadrants.png", "image/png", 50, 80),
        ("/image/w_20,h_30,c_k/quadrants.png", "image/png", 20, 30),
        (
            "/image/w_500,h_500,c_k/quadrants.png",
            "image/png",
            200,
            100,
        ),
        ("/image/w_20,h_30/quadrants@2x.png", "image/png", 40, 60),
        ("/image/w_20,h_30,c_k/quadrants@2x.png", "image/png", 20, 30),
        ("/image/t_square/1.jpg", "image/jpeg", 64, 64),
        ("/image/t_gray/alpha.png", "image/png", 30, 20),
        ("/image/w_10/animated.gif", "", 0, 0),
    ];
    for (path, ct, w, h) in cases {
        let (status, got_ct, body) = get(&http, &format!("{}{path}", images.base)).await;
        if ct.is_empty() {
            assert_eq!(status, 422, "{path}");
            continue;
        }
        assert_eq!((status, got_ct.as_str()), (200, ct), "{path}");
        assert_eq!(dimensions(ct, &body), (w, h), "{path}");
    }
    // Pixels: quadrants is red left, blue right, with a green square at the top left.
    let pixels = [
        ("/image/w_50,h_50,c_p/quadrants.jpg", (4, 4), GREEN),
        ("/image/w_50,h_50,c_p,g_se/quadrants.jpg", (25, 25), BLUE),
        ("/image/w_50,h_50,c_p,g_c/quadrants.jpg", (10, 25), RED),
        ("/image/w_20,h_20,c_k/quadrants.jpg", (10, 10), GREEN),
        ("/image/w_20,h_20,c_k,g_ne/quadrants.jpg", (10, 10), BLUE),
        ("/image/w_20,h_20,c_k,g_sw/quadrants.jpg", (10, 10), RED),
    ];
    for (path, (x, y), want) in pixels {
        let (status, _, body) = get(&http, &format!("{}{path}", images.base)).await;
        assert_eq!(status, 200, "{path}");
        let got = pixel(&body, x, y);
        assert!(
            near(got, want),
            "{path} at ({x},{y}): {got:?}, want {want:?}"
        );
    }
    let (_, _, body) = get(
        &http,
        &format!("{}/image/w_50,f_grayscale/quadrants.jpg", images.base),
    )
    .await;
    assert_eq!(decode_jpeg(&body).2, 1, "grayscale JPEG has one component");
    // Conditional requests.
    let url = format!("{}/image/w_30/quadrants.jpg", images.base);
    let etag = http.get(&url).send().await.unwrap().headers()["etag"].clone();
    let again = http
        .get(&url)
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[tokio::test]
async fn errors_are_pixlservs_messages_as_4xx() {
    let images = spawn_app(&[]).await;
    let http = client();
    let cases = [
        (
            "/image/w_abc/1.jpg",
            400,
            "could not parse value for parameter: \"w\"",
        ),
        ("/image/w_0/1.jpg", 400, "value 0 must be > 0: \"w\""),
        ("/image/w_1,c_z/1.jpg", 400, "invalid value for \"c\""),
        ("/image/w_1,g_zz/1.jpg", 400, "invalid value for \"g\""),
        ("/image/c_e/1.jpg", 400, "both width and height can't be 0"),
        (
            "/image/w100/1.jpg",
            400,
            "could not parse parameter: \"w100\"",
        ),
        ("/image/t_nope/1.jpg", 400, "Unknown transformation: nope"),
        ("/image/w_1/1@0x.jpg", 400, "scale @0x must be 1 to 4"),
        ("/image/w_10/nope.jpg", 404, "Image not found: nope.jpg"),
        ("/image/w_10/2.jpg", 422, "Image cannot be processed"),
        ("/image/w_10/3.jpg", 422, "Image cannot be processed"),
        (
            "/ABC123/image/w_10/1.jpg",
            401,
            "API key invalid or missing",
        ),
    ];
    for (path, status, message) in cases {
        let res = http
            .get(format!("{}{path}", images.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status, "{path}");
        assert_eq!(res.text().await.unwrap().trim_end(), message, "{path}");
    }
}

//! Preset files in both formats, pixlserv's start-up checks and messages.

use super::*;

fn write(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("picsum-presets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

const YAML: &str = r##"
port: 3000            # pixlserv's other settings are ignored
transformations:
  - name: square
    parameters: w_200,h_200,c_p
    eager: Yes
    watermark: {source: logo.png, gravity: se, x-pos: 50, y-pos: 5}
    text:
      - {content: "This is text", gravity: ne, x-pos: 30, y-pos: 20, color: "#fff", font: fonts/DejaVuSans.ttf, size: 12}
      - {content: "second", gravity: c, color: "#10203080", size: 20}
  - name: plain
    parameters: w_50
"##;

const TOML: &str = r##"
[[transformations]]
name = "square"
parameters = "w_200,h_200,c_p"
eager = true
watermark = { source = "logo.png", gravity = "se", x-pos = 50, y-pos = 5 }
text = [
  { content = "This is text", gravity = "ne", x-pos = 30, y-pos = 20, color = "#fff", font = "fonts/DejaVuSans.ttf", size = 12 },
  { content = "second", gravity = "c", color = "#10203080", size = 20 },
]

[[transformations]]
name = "plain"
parameters = "w_50"
"##;

#[test]
fn yaml_and_toml_say_the_same() {
    let yaml = load("", Some(&write("p.yaml", YAML))).unwrap();
    let toml = load("", Some(&write("p.toml", TOML))).unwrap();
    assert_eq!(yaml, toml);
    let square = yaml.get("square").unwrap();
    assert!(square.eager);
    assert_eq!(
        square.watermark,
        Some(WatermarkSpec {
            source: "logo.png".into(),
            gravity: Gravity::SouthEast,
            offset: (50, 5),
        })
    );
    assert_eq!(square.text.len(), 2);
    let first = square.text.first().unwrap();
    // pixlserv's own font path is the bundled copy of the same face.
    assert_eq!(
        (first.colour, first.font.as_deref(), first.size),
        ([255, 255, 255, 255], None, 12)
    );
    assert_eq!(square.text.get(1).unwrap().colour, [0x10, 0x20, 0x30, 0x80]);
    let plain = yaml.get("plain").unwrap();
    assert!(!plain.eager && plain.watermark.is_none() && plain.text.is_empty());
    // Environment presets join them; a name twice is refused.
    let both = load("avatar=w_64,h_64,c_p,g_c", Some(&write("p.yml", YAML))).unwrap();
    assert_eq!(both.len(), 3);
    let twice = load("plain=w_10", Some(&write("p.yml", YAML))).unwrap_err();
    assert!(format!("{twice:#}").contains("defined twice"), "{twice:#}");
}

#[test]
fn bad_entries_are_refused_at_start_up() {
    let cases = [
        (
            "- name: sq_uare\n  parameters: w_1",
            "invalid transformation name: sq_uare",
        ),
        (
            "- name: a\n  parameters: w_0",
            "invalid transformation parameters: w_0",
        ),
        (
            "- name: a\n  parameters: w_1\n  watermark: {gravity: se}",
            "a watermark needs to have a source specified",
        ),
        (
            "- name: a\n  parameters: w_1\n  watermark: {source: x.png}",
            "a watermark needs a gravity",
        ),
        (
            "- name: a\n  parameters: w_1\n  watermark: {source: x.png, gravity: up}",
            "invalid watermark gravity: up",
        ),
        (
            "- name: a\n  parameters: w_1\n  watermark: {source: x.png, gravity: n, x-pos: -1}",
            "x-pos must be 0 to",
        ),
        (
            "- name: a\n  parameters: w_1\n  text: [{content: x, gravity: n, size: 9}]",
            "a text overlay needs a color",
        ),
        (
            "- name: a\n  parameters: w_1\n  text: [{content: x, gravity: n, color: '#12', size: 9}]",
            "invalid color: #12",
        ),
        (
            "- name: a\n  parameters: w_1\n  text: [{content: x, gravity: n, color: '#fff', size: 0}]",
            "text size must be 1 to",
        ),
        (
            "- name: a\n  parameters: w_1\n  text: [{content: x, gravity: n, color: '#fff', size: 9, font: nope/Other.ttf}]",
            "font nope/Other.ttf does not exist",
        ),
        (
            "- name: a\n  parameters: w_1\n  eager: maybe",
            "eager must be yes or no",
        ),
        (
            "- name: a\n  parameters: w_1\n  colour: red",
            "unknown field",
        ),
    ];
    for (entries, want) in cases {
        let path = write("bad.yaml", &format!("transformations:\n{entries}\n"));
        let err = format!("{:#}", load("", Some(&path)).unwrap_err());
        assert!(err.contains(want), "{entries}: {err}");
    }
    let err = load("", Some(&write("p.json", "{}"))).unwrap_err();
    assert!(err.to_string().contains(".yaml, .yml or .toml"));
    assert!(load("", Some(Path::new("/nonexistent/p.yaml"))).is_err());
    assert!(load("", Some(&write("broken.toml", "[[transformations]\n"))).is_err());
    assert!(load("", None).unwrap().is_empty());
}

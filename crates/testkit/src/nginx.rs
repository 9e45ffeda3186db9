//! A real nginx (Debian's `nginx-light`, found through `PICSUM_NGINX`) as the shared cache in
//! front of services: one `proxy_cache` zone that honours the upstreams' `Cache-Control`, a
//! listener per upstream, and `X-Cache-Status` (HIT, MISS, BYPASS…) on every answer.

use std::fmt::Write as _;
use std::process::{Child, Command, Stdio};

use crate::{TempDir, find_program, free_port, wait_for_port};

/// One nginx; stopped and its cache removed on drop.
#[derive(Debug)]
pub struct Nginx {
    child: Child,
    ports: Vec<u16>,
    _dir: TempDir,
}

impl Nginx {
    /// Listens on `ports[i]` (`0` for a free one) in front of `upstreams[i]` (`host:port`),
    /// every answer going through one cache keyed by the request target.
    pub fn cache_in_front_of(upstreams: &[(u16, &str)]) -> Self {
        let dir = TempDir::new("nginx");
        let path = |name: &str| dir.path().join(name).display().to_string();
        let ports: Vec<u16> = upstreams
            .iter()
            .map(|(p, _)| if *p == 0 { free_port() } else { *p })
            .collect();
        let mut config = format!(
            "daemon off;\nmaster_process off;\npid {pid};\nerror_log {log} warn;\n\
             events {{ worker_connections 512; }}\n\
             http {{\n  access_log off;\n  client_body_temp_path {tmp}/body;\n  \
             proxy_temp_path {tmp}/proxy;\n  fastcgi_temp_path {tmp}/fastcgi;\n  \
             uwsgi_temp_path {tmp}/uwsgi;\n  scgi_temp_path {tmp}/scgi;\n  \
             proxy_cache_path {cache} levels=1:2 keys_zone=picsum:16m max_size=1g inactive=1h use_temp_path=off;\n",
            pid = path("nginx.pid"),
            log = path("error.log"),
            tmp = dir.path().display(),
            cache = path("cache"),
        );
        for (port, (_, upstream)) in ports.iter().zip(upstreams) {
            let _ = write!(
                config,
                "  server {{\n    listen 127.0.0.1:{port};\n    location / {{\n      \
                 proxy_pass http://{upstream};\n      proxy_http_version 1.1;\n      \
                 proxy_set_header Connection \"\";\n      proxy_cache picsum;\n      \
                 proxy_cache_key $request_uri;\n      \
                 add_header X-Cache-Status $upstream_cache_status always;\n    }}\n  }}\n"
            );
        }
        config.push_str("}\n");
        let file = dir.path().join("nginx.conf");
        std::fs::write(&file, config).expect("write nginx.conf");
        let mut child = Command::new(find_program("PICSUM_NGINX", "nginx"))
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&file)
            .arg("-e")
            .arg(path("error.log"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx");
        for port in &ports {
            wait_for_port(*port, "nginx", &mut child);
        }
        Self {
            child,
            ports,
            _dir: dir,
        }
    }

    /// `http://127.0.0.1:port` of the `i`th listener.
    pub fn url(&self, i: usize) -> String {
        format!(
            "http://127.0.0.1:{}",
            self.ports.get(i).copied().unwrap_or(0)
        )
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

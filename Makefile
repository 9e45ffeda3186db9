# The one entry point for humans and CI.
.PHONY: run test test-compat lint audit fmt bench loadtest bench-peers bench-quality deps fuzz soak chaos abuse images

run:      ; scripts/run.sh
test:     ; scripts/test.sh
# The imaging and image-service suites on the compatibility build, Debian's libvips 8.14
# (make test runs the imaging one).
test-compat: ; scripts/deps.sh --services && scripts/libvips.sh compat cargo nextest run --locked -p picsum-imaging -p picsum-image-service
deps:     ; scripts/deps.sh
fmt:      ; cargo fmt --all
# cargo-deny: licences, bans and sources (deny.toml); advisories need GitHub: make audit.
lint:     ; scripts/deps.sh --lint && cargo fmt --all -- --check && cargo clippy --workspace --all-targets --locked -- -D warnings && .tools/bin/cargo-deny --locked check licenses bans sources
audit:    ; scripts/deps.sh --lint && .tools/bin/cargo-deny --locked check advisories
bench:    ; scripts/deps.sh && cargo bench -p picsum-imaging -p picsum-api --locked
loadtest: ; scripts/loadtest.sh
bench-peers: ; bench/run.sh
bench-quality: ; bench/quality.sh
fuzz:     ; scripts/fuzz.sh
soak:     ; scripts/drill.sh soak
chaos:    ; scripts/drill.sh chaos
abuse:    ; scripts/drill.sh abuse
images:   ; scripts/images.sh

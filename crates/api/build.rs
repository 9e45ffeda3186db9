//! Names the git commit this package is built from (`PICSUM_GIT_SHA`).

fn main() {
    picsum_build_info::emit();
}

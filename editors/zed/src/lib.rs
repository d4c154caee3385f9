//! OnMessage for Zed: starts the repository's own language server,
//! `cargo xtask lsp`, in the worktree (a dev extension: Zed builds it to
//! WebAssembly itself; see README.md).

use zed_extension_api::{self as zed, LanguageServerId, Result};

struct OnMessage;

impl zed::Extension for OnMessage {
    fn new() -> Self {
        OnMessage
    }

    fn language_server_command(
        &mut self,
        _id: &LanguageServerId,
        worktree: &zed::Worktree,
    ) -> Result<zed::Command> {
        let cargo = worktree
            .which("cargo")
            .ok_or_else(|| "OnMessage needs cargo on the PATH".to_string())?;
        // The manifest path, not the `xtask` alias: it works whatever the
        // server's working directory is.
        let manifest = format!("{}/Cargo.toml", worktree.root_path());
        Ok(zed::Command {
            command: cargo,
            args: [
                "run", "--quiet", "--manifest-path", &manifest, "--package", "xtask", "--", "lsp",
            ]
            .map(String::from)
            .to_vec(),
            env: worktree.shell_env(),
        })
    }
}

zed::register_extension!(OnMessage);

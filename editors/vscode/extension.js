// OnMessage for VS Code: starts `cargo xtask lsp` (the repository's own
// language server) in the workspace folder for suggested posts and the
// policy files. Everything else (diagnostics, hover, code actions,
// completion) is the server's.
'use strict';

const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

async function activate(context) {
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  if (!folder) {
    return;
  }
  const config = vscode.workspace.getConfiguration('onmessage');
  const serverOptions = {
    command: config.get('server.command', 'cargo'),
    args: config.get('server.args', ['xtask', 'lsp']),
    options: { cwd: folder.uri.fsPath },
  };
  const clientOptions = {
    documentSelector: [
      { scheme: 'file', pattern: '**/content/posts/**/*.md' },
      { scheme: 'file', pattern: '**/policies/*.yaml' },
    ],
    synchronize: {
      // Reload the policy when it changes on disk (git pull, another editor).
      fileEvents: vscode.workspace.createFileSystemWatcher('**/policies/*.yaml'),
    },
  };
  client = new LanguageClient('onmessage', 'OnMessage', serverOptions, clientOptions);
  context.subscriptions.push(client);
  await client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };

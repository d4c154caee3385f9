//! The message loop: initialisation and position encoding, open documents,
//! debounced checks on the worker, policy reloads, requests, shutdown.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use crossbeam_channel::{Receiver, Sender, select};
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, HoverRequest, RegisterCapability, Request as _, Shutdown,
};
use lsp_types::{
    CodeActionOrCommand, CodeActionParams, CodeActionProviderCapability, CompletionOptions,
    CompletionParams, CompletionResponse, Diagnostic, DiagnosticSeverity,
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams,
    DidChangeWatchedFilesRegistrationOptions, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, FileSystemWatcher, GlobPattern, Hover,
    HoverContents, HoverParams, HoverProviderCapability, InitializeParams, InitializeResult,
    MarkupContent, MarkupKind, NumberOrString, PositionEncodingKind, PublishDiagnosticsParams,
    Registration, RegistrationParams, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, Uri,
};

use onmessage_engine::check::{POSTS_DIR, Setup};
use onmessage_engine::config::{CALENDAR_PATH, ConfigError, POLICY_PATH};
use onmessage_engine::finding::Finding;
use onmessage_engine::rules;

use super::diagnostics::{self, RuleLinks};
use super::text::{Encoding, Text};
use super::{actions, complete, file_uri, uri_path};

/// How long typing must pause before a changed post is checked again.
const DEBOUNCE: Duration = Duration::from_millis(150);
/// How often the server's own watch looks at the policy and calendar.
const WATCH_EVERY: Duration = Duration::from_millis(500);

/// Runs the server on stdin and stdout until the client says `exit`.
pub fn serve() -> ExitCode {
    let (connection, io_threads) = Connection::stdio();
    let code = match run(&connection) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("cargo xtask lsp: {e}");
            ExitCode::from(1)
        }
    };
    drop(connection);
    if let Err(e) = io_threads.join() {
        eprintln!("cargo xtask lsp: {e}");
    }
    code
}

fn run(connection: &Connection) -> Result<ExitCode, String> {
    let (id, params) = connection
        .initialize_start()
        .map_err(|e| format!("no initialize request: {e}"))?;
    let params: InitializeParams =
        serde_json::from_value(params).map_err(|e| format!("bad initialize params: {e}"))?;
    let offered = params
        .capabilities
        .general
        .as_ref()
        .and_then(|g| g.position_encodings.as_ref());
    let enc = if offered.is_some_and(|o| o.contains(&PositionEncodingKind::UTF8)) {
        Encoding::Utf8
    } else {
        Encoding::Utf16
    };
    let watch_dynamic = params
        .capabilities
        .workspace
        .as_ref()
        .and_then(|w| w.did_change_watched_files.as_ref())
        .and_then(|d| d.dynamic_registration)
        .unwrap_or(false);
    let root = workspace_start(&params).and_then(|start| crate::check::find_root(&start));

    let capabilities = ServerCapabilities {
        position_encoding: Some(match enc {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![" ".into(), "[".into(), ",".into(), "-".into()]),
            ..CompletionOptions::default()
        }),
        ..ServerCapabilities::default()
    };
    let result = InitializeResult {
        capabilities,
        server_info: Some(ServerInfo {
            name: "onmessage".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    connection
        .initialize_finish(id, serde_json::to_value(result).map_err(|e| e.to_string())?)
        .map_err(|e| format!("initialize: {e}"))?;

    let (events_tx, events) = crossbeam_channel::unbounded();
    let (jobs, jobs_rx) = crossbeam_channel::unbounded();
    std::thread::Builder::new()
        .name("onmessage-check".into())
        .spawn({
            let events = events_tx.clone();
            move || worker(&jobs_rx, &events)
        })
        .map_err(|e| format!("cannot start the check thread: {e}"))?;
    let mut server = Server {
        sender: connection.sender.clone(),
        enc,
        root,
        docs: HashMap::new(),
        setup: None,
        disk: None,
        links: Arc::new(RuleLinks::default()),
        audiences: BTreeSet::new(),
        pending: HashMap::new(),
        jobs,
        next_request: 0,
        shutting_down: false,
    };
    if let Some(root) = server.root.clone() {
        server.reload(true);
        spawn_watch(&root, events_tx.clone());
        let max = server
            .setup
            .as_ref()
            .map_or(onmessage_engine::policy::DEFAULT_POST_BYTES, |s| {
                s.policy.post_bytes
            });
        let events = events_tx.clone();
        let _ = std::thread::Builder::new()
            .name("onmessage-audiences".into())
            .spawn(move || {
                let _ = events.send(Event::Audiences(complete::scan_audiences(&root, max)));
            });
        if watch_dynamic {
            server.register_watch();
        }
    } else {
        server.show_message(
            "OnMessage: no policies/policy.yaml in the workspace or above it; posts are not checked",
        );
    }
    drop(events_tx);
    server.main_loop(&connection.receiver, &events)
}

/// Where to look for the repository: the first workspace folder, the
/// deprecated root URI, or the server's working directory.
fn workspace_start(params: &InitializeParams) -> Option<PathBuf> {
    let folder = params
        .workspace_folders
        .as_ref()
        .and_then(|f| f.first())
        .and_then(|f| uri_path(&f.uri));
    #[allow(deprecated)]
    let root_uri = params.root_uri.as_ref().and_then(uri_path);
    folder.or(root_uri).or_else(|| std::env::current_dir().ok())
}

/// What the other threads tell the main loop.
enum Event {
    Checked {
        key: String,
        generation: u64,
        findings: Vec<Finding>,
    },
    DiskChanged,
    Audiences(BTreeSet<String>),
}

/// A post to judge.
struct Job {
    key: String,
    generation: u64,
    path: String,
    text: String,
    setup: Arc<Setup>,
    root: PathBuf,
}

/// Judges posts one after another; of several queued checks of one post
/// only the newest runs.
fn worker(jobs: &Receiver<Job>, events: &Sender<Event>) {
    while let Ok(first) = jobs.recv() {
        let mut queue = vec![first];
        queue.extend(jobs.try_iter());
        let mut newest: Vec<Job> = Vec::new();
        for job in queue {
            match newest.iter_mut().find(|j| j.key == job.key) {
                Some(old) if old.generation <= job.generation => *old = job,
                Some(_) => {}
                None => newest.push(job),
            }
        }
        for job in newest {
            let findings = diagnostics::judge(&job.setup, &job.root, &job.path, &job.text);
            let checked = Event::Checked {
                key: job.key,
                generation: job.generation,
                findings,
            };
            if events.send(checked).is_err() {
                return;
            }
        }
    }
}

/// The server's own watch: the policy's and calendar's size and time of
/// change, looked at every `WATCH_EVERY`.
fn spawn_watch(root: &Path, events: Sender<Event>) {
    let files = [root.join(POLICY_PATH), root.join(CALENDAR_PATH)];
    let stamp = move || -> Vec<Option<(SystemTime, u64)>> {
        files
            .iter()
            .map(|f| {
                let m = std::fs::metadata(f).ok()?;
                Some((m.modified().ok()?, m.len()))
            })
            .collect()
    };
    let _ = std::thread::Builder::new()
        .name("onmessage-watch".into())
        .spawn(move || {
            let mut last = stamp();
            loop {
                std::thread::sleep(WATCH_EVERY);
                let now = stamp();
                if now != last {
                    last = now;
                    if events.send(Event::DiskChanged).is_err() {
                        return;
                    }
                }
            }
        });
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Post,
    Config(&'static str),
    Other,
}

struct Doc {
    uri: Uri,
    text: Text,
    kind: Kind,
    /// Relative to the root, with `/`.
    path: String,
    /// Bumped by every change of the text and every policy reload.
    generation: u64,
    /// The findings of `generation`, once judged.
    findings: Option<(u64, Arc<Vec<Finding>>)>,
}

struct Server {
    sender: Sender<Message>,
    enc: Encoding,
    root: Option<PathBuf>,
    /// By URI string.
    docs: HashMap<String, Doc>,
    /// The last valid policy and calendar on disk.
    setup: Option<Arc<Setup>>,
    /// The bytes `setup` (or the last invalid attempt) was read from.
    disk: Option<(Vec<u8>, Vec<u8>)>,
    links: Arc<RuleLinks>,
    audiences: BTreeSet<String>,
    /// Debounced checks: when each is due.
    pending: HashMap<String, Instant>,
    jobs: Sender<Job>,
    next_request: i32,
    shutting_down: bool,
}

impl Server {
    fn main_loop(
        &mut self,
        messages: &Receiver<Message>,
        events: &Receiver<Event>,
    ) -> Result<ExitCode, String> {
        loop {
            let due = self.pending.values().min().copied();
            let wait = due.map_or(Duration::from_secs(3600), |d| {
                d.saturating_duration_since(Instant::now())
            });
            select! {
                recv(messages) -> message => match message {
                    Ok(Message::Request(req)) => self.request(req),
                    Ok(Message::Notification(note)) => {
                        if note.method == "exit" {
                            return Ok(if self.shutting_down {
                                ExitCode::SUCCESS
                            } else {
                                ExitCode::from(1)
                            });
                        }
                        self.notification(note);
                    }
                    Ok(Message::Response(_)) => {}
                    // The client went away without `exit`.
                    Err(_) => return Ok(ExitCode::from(1)),
                },
                recv(events) -> event => if let Ok(event) = event {
                    self.event(event);
                },
                default(wait) => {}
            }
            let now = Instant::now();
            let due: Vec<String> = self
                .pending
                .iter()
                .filter(|(_, at)| **at <= now)
                .map(|(key, _)| key.clone())
                .collect();
            for key in due {
                self.pending.remove(&key);
                self.due(&key);
            }
        }
    }

    fn send(&self, message: impl Into<Message>) {
        // The writer thread is gone only when the client is: nothing to do.
        let _ = self.sender.send(message.into());
    }

    fn show_message(&self, text: &str) {
        self.send(Notification::new(
            "window/showMessage".into(),
            lsp_types::ShowMessageParams {
                typ: lsp_types::MessageType::WARNING,
                message: text.to_string(),
            },
        ));
    }

    fn register_watch(&mut self) {
        let options = DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![FileSystemWatcher {
                glob_pattern: GlobPattern::String("**/policies/*.yaml".into()),
                kind: None,
            }],
        };
        let params = RegistrationParams {
            registrations: vec![Registration {
                id: "onmessage-policies".into(),
                method: DidChangeWatchedFiles::METHOD.into(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.next_request += 1;
        self.send(Request::new(
            RequestId::from(self.next_request),
            RegisterCapability::METHOD.into(),
            params,
        ));
    }

    fn publish(&self, uri: &Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) {
        self.send(Notification::new(
            PublishDiagnostics::METHOD.into(),
            PublishDiagnosticsParams {
                uri: uri.clone(),
                diagnostics,
                version,
            },
        ));
    }

    // --- notifications ---

    fn notification(&mut self, note: Notification) {
        match note.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Ok(p) =
                    note.extract::<DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD)
                {
                    self.open(p.text_document.uri, p.text_document.text);
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) =
                    note.extract::<DidChangeTextDocumentParams>(DidChangeTextDocument::METHOD)
                {
                    self.change(p);
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    note.extract::<DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD)
                {
                    let key = p.text_document.uri.as_str().to_string();
                    self.pending.remove(&key);
                    if let Some(doc) = self.docs.remove(&key) {
                        match doc.kind {
                            // A closed post's diagnostics go with it; the
                            // policy's stay, from the file on disk.
                            Kind::Post => self.publish(&doc.uri, Vec::new(), None),
                            Kind::Config(_) => self.publish_config(),
                            Kind::Other => {}
                        }
                    }
                }
            }
            DidSaveTextDocument::METHOD => {
                if let Ok(p) =
                    note.extract::<DidSaveTextDocumentParams>(DidSaveTextDocument::METHOD)
                    && self.config_file(&p.text_document.uri).is_some()
                {
                    self.reload(false);
                }
            }
            DidChangeWatchedFiles::METHOD => {
                if let Ok(p) =
                    note.extract::<DidChangeWatchedFilesParams>(DidChangeWatchedFiles::METHOD)
                    && p.changes.iter().any(|c| self.config_file(&c.uri).is_some())
                {
                    self.reload(false);
                }
            }
            // Requests are answered in order as they come and none takes
            // long: a `$/cancelRequest` finds its request answered.
            _ => {}
        }
    }

    fn event(&mut self, event: Event) {
        match event {
            Event::Checked {
                key,
                generation,
                findings,
            } => {
                let Some(doc) = self.docs.get_mut(&key) else {
                    return;
                };
                if doc.generation != generation {
                    return; // superseded while it ran
                }
                doc.findings = Some((generation, Arc::new(findings)));
                self.publish_post(&key);
            }
            Event::DiskChanged => self.reload(false),
            Event::Audiences(found) => self.audiences.extend(found),
        }
    }

    /// `policies/policy.yaml` or `policies/calendar.yaml` of this root.
    fn config_file(&self, uri: &Uri) -> Option<&'static str> {
        let rel = self.relative(uri)?;
        [POLICY_PATH, CALENDAR_PATH].into_iter().find(|p| *p == rel)
    }

    fn relative(&self, uri: &Uri) -> Option<String> {
        let path = uri_path(uri)?;
        let rel = path.strip_prefix(self.root.as_ref()?).ok()?;
        let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
        Some(parts?.join("/"))
    }

    fn open(&mut self, uri: Uri, text: String) {
        let key = uri.as_str().to_string();
        let path = self.relative(&uri).unwrap_or_default();
        let kind = if let Some(config) = self.config_file(&uri) {
            Kind::Config(config)
        } else if path.starts_with(&format!("{POSTS_DIR}/")) && path.ends_with(".md") {
            Kind::Post
        } else {
            Kind::Other
        };
        if kind == Kind::Post {
            self.audiences.extend(complete::audiences_in(&text));
        }
        self.docs.insert(
            key.clone(),
            Doc {
                uri,
                text: Text::new(text),
                kind,
                path,
                generation: 0,
                findings: None,
            },
        );
        match kind {
            Kind::Post => self.check(&key),
            Kind::Config(_) => self.publish_config(),
            Kind::Other => {}
        }
    }

    fn change(&mut self, p: DidChangeTextDocumentParams) {
        let key = p.text_document.uri.as_str().to_string();
        let enc = self.enc;
        let Some(doc) = self.docs.get_mut(&key) else {
            return;
        };
        for change in p.content_changes {
            doc.text.apply(change, enc);
        }
        doc.generation += 1;
        // A policy buffer is compiled again, a post judged again, once
        // typing pauses.
        if doc.kind != Kind::Other {
            self.pending.insert(key, Instant::now() + DEBOUNCE);
        }
    }

    /// A debounced change is due.
    fn due(&mut self, key: &str) {
        match self.docs.get(key).map(|d| d.kind) {
            Some(Kind::Post) => self.check(key),
            Some(Kind::Config(_)) => self.publish_config(),
            _ => {}
        }
    }

    /// Queues the check of an open post with the policy on disk.
    fn check(&mut self, key: &str) {
        let (Some(doc), Some(root)) = (self.docs.get(key), self.root.as_ref()) else {
            return;
        };
        match &self.setup {
            Some(setup) => {
                let _ = self.jobs.send(Job {
                    key: key.to_string(),
                    generation: doc.generation,
                    path: doc.path.clone(),
                    text: doc.text.text.clone(),
                    setup: Arc::clone(setup),
                    root: root.clone(),
                });
            }
            None => {
                let message = format!(
                    "posts are not checked: the policy or calendar on disk is invalid (see {POLICY_PATH} and {CALENDAR_PATH})"
                );
                let diagnostic = Diagnostic {
                    severity: Some(DiagnosticSeverity::WARNING),
                    source: Some(diagnostics::SOURCE.into()),
                    code: Some(NumberOrString::String("config".into())),
                    message,
                    ..Diagnostic::default()
                };
                self.publish(&doc.uri, vec![diagnostic], None);
            }
        }
    }

    fn publish_post(&self, key: &str) {
        let Some(doc) = self.docs.get(key) else {
            return;
        };
        let Some((_, findings)) = &doc.findings else {
            return;
        };
        let diagnostics = findings
            .iter()
            .map(|f| diagnostics::finding(&doc.text, f, self.enc, &self.links))
            .collect();
        self.publish(&doc.uri, diagnostics, None);
    }

    /// The findings of an open post's current text: the worker's when they
    /// are current, else judged now (a request came before the debounce).
    fn current_findings(&mut self, key: &str) -> Option<Arc<Vec<Finding>>> {
        let setup = self.setup.clone()?;
        let root = self.root.clone()?;
        let doc = self.docs.get_mut(key)?;
        if doc.kind != Kind::Post {
            return None;
        }
        if let Some((generation, findings)) = &doc.findings
            && *generation == doc.generation
        {
            return Some(Arc::clone(findings));
        }
        let findings = Arc::new(diagnostics::judge(&setup, &root, &doc.path, &doc.text.text));
        doc.findings = Some((doc.generation, Arc::clone(&findings)));
        Some(findings)
    }

    /// Reads the policy and calendar from disk; when they changed and are
    /// valid, they judge the open posts from now on (an invalid disk copy
    /// keeps the last valid one). Publishes the configuration diagnostics.
    fn reload(&mut self, first: bool) {
        let Some(root) = self.root.clone() else {
            return;
        };
        let read = |p: &str| std::fs::read(root.join(p)).unwrap_or_default();
        let bytes = (read(POLICY_PATH), read(CALENDAR_PATH));
        if !first && self.disk.as_ref() == Some(&bytes) {
            return;
        }
        if let Ok(setup) = diagnostics::compile(&bytes.0, &bytes.1) {
            self.links = Arc::new(RuleLinks::new(&root, &setup));
            self.setup = Some(setup);
            let posts: Vec<String> = self
                .docs
                .iter_mut()
                .filter(|(_, d)| d.kind == Kind::Post)
                .map(|(key, doc)| {
                    doc.generation += 1;
                    key.clone()
                })
                .collect();
            for key in posts {
                self.pending.remove(&key);
                self.check(&key);
            }
        }
        self.disk = Some(bytes);
        self.publish_config();
    }

    /// Diagnostics for the policy and calendar: compiled from the open
    /// buffers' unsaved text where they are open, else from disk.
    fn publish_config(&self) {
        let Some(root) = &self.root else { return };
        let buffer = |path: &str| {
            self.docs
                .values()
                .find(|d| d.kind == Kind::Config(config_name(path)))
        };
        let texts: Vec<(&'static str, Text)> = [POLICY_PATH, CALENDAR_PATH]
            .into_iter()
            .map(|path| {
                let text = match buffer(path) {
                    Some(doc) => doc.text.clone(),
                    None => Text::new(
                        String::from_utf8_lossy(
                            &std::fs::read(root.join(path)).unwrap_or_default(),
                        )
                        .into_owned(),
                    ),
                };
                (path, text)
            })
            .collect();
        let errors: Vec<ConfigError> =
            match diagnostics::compile(texts[0].1.text.as_bytes(), texts[1].1.text.as_bytes()) {
                Ok(_) => Vec::new(),
                Err(errors) => errors,
            };
        for (path, text) in &texts {
            let Some(uri) = buffer(path)
                .map(|d| d.uri.clone())
                .or_else(|| file_uri(&root.join(path), None))
            else {
                continue;
            };
            let diagnostics = errors
                .iter()
                .filter(|e| e.path == *path)
                .map(|e| diagnostics::config_error(Some(text), e, self.enc))
                .collect();
            self.publish(&uri, diagnostics, None);
        }
    }

    // --- requests ---

    fn request(&mut self, req: Request) {
        if self.shutting_down {
            self.send(Response::new_err(
                req.id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".into(),
            ));
            return;
        }
        let id = req.id.clone();
        let result = match req.method.as_str() {
            Shutdown::METHOD => {
                self.shutting_down = true;
                Ok(serde_json::Value::Null)
            }
            HoverRequest::METHOD => req
                .extract::<HoverParams>(HoverRequest::METHOD)
                .map(|(_, p)| serde_json::to_value(self.hover(p)).unwrap_or_default()),
            CodeActionRequest::METHOD => req
                .extract::<CodeActionParams>(CodeActionRequest::METHOD)
                .map(|(_, p)| serde_json::to_value(self.code_actions(p)).unwrap_or_default()),
            Completion::METHOD => req
                .extract::<CompletionParams>(Completion::METHOD)
                .map(|(_, p)| serde_json::to_value(self.completion(p)).unwrap_or_default()),
            _ => {
                self.send(Response::new_err(
                    id,
                    ErrorCode::MethodNotFound as i32,
                    format!("unknown method {}", req.method),
                ));
                return;
            }
        };
        match result {
            Ok(value) => self.send(Response::new_ok(id, value)),
            Err(e) => self.send(Response::new_err(
                id,
                ErrorCode::InvalidParams as i32,
                format!("{e:?}"),
            )),
        }
    }

    fn hover(&mut self, p: HoverParams) -> Option<Hover> {
        let key = p
            .text_document_position_params
            .text_document
            .uri
            .as_str()
            .to_string();
        let findings = self.current_findings(&key)?;
        let setup = self.setup.clone()?;
        let doc = self.docs.get(&key)?;
        let at = doc
            .text
            .offset(p.text_document_position_params.position, self.enc);
        let catalog = rules::catalog(&setup.policy);
        let mut parts = Vec::new();
        let mut range = None;
        for f in findings.iter() {
            let start = doc.text.engine_offset(f.region.line, f.region.column);
            let end = doc
                .text
                .engine_offset(f.region.end_line, f.region.end_column);
            if !(start <= at && at <= end) {
                continue;
            }
            let part = match catalog.iter().find(|r| r.id == f.rule) {
                Some(info) => format!(
                    "**{}** ({}): {}\n\n{}",
                    info.id,
                    info.severity.as_str(),
                    info.summary,
                    info.explain.trim_end()
                ),
                None => format!("**{}**", f.rule),
            };
            if !parts.contains(&part) {
                parts.push(part);
            }
            range.get_or_insert_with(|| doc.text.range(start..end, self.enc));
        }
        if parts.is_empty() {
            return None;
        }
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: parts.join("\n\n---\n\n"),
            }),
            range,
        })
    }

    fn code_actions(&mut self, p: CodeActionParams) -> Vec<CodeActionOrCommand> {
        let key = p.text_document.uri.as_str().to_string();
        let Some(findings) = self.current_findings(&key) else {
            return Vec::new();
        };
        let (Some(setup), Some(doc)) = (self.setup.clone(), self.docs.get(&key)) else {
            return Vec::new();
        };
        let start = doc.text.offset(p.range.start, self.enc);
        let end = doc.text.offset(p.range.end, self.enc);
        let enc = self.enc;
        let links = Arc::clone(&self.links);
        let diagnostic = |f: &Finding| diagnostics::finding(&doc.text, f, enc, &links);
        let request = actions::Request {
            uri: &doc.uri,
            text: &doc.text,
            enc,
            setup: &setup,
            findings: &findings,
            range: start..end.max(start),
            diagnostic: &diagnostic,
        };
        actions::actions(&request)
            .into_iter()
            .map(CodeActionOrCommand::CodeAction)
            .collect()
    }

    fn completion(&mut self, p: CompletionParams) -> Option<CompletionResponse> {
        let key = p
            .text_document_position
            .text_document
            .uri
            .as_str()
            .to_string();
        let doc = self.docs.get(&key)?;
        if doc.kind != Kind::Post {
            return None;
        }
        let offset = doc.text.offset(p.text_document_position.position, self.enc);
        let items = complete::complete(
            &doc.text,
            offset,
            self.enc,
            self.setup.as_deref(),
            &self.audiences,
        );
        Some(CompletionResponse::Array(items))
    }
}

fn config_name(path: &str) -> &'static str {
    if path == POLICY_PATH {
        POLICY_PATH
    } else {
        CALENDAR_PATH
    }
}

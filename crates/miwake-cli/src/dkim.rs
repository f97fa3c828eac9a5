//! `miwake check --verify-dkim`: verify DKIM signatures against the signers' published keys.
//!
//! The only online step in miwake, and opt-in: it asks DNS for `selector._domainkey.domain`
//! TXT records (nothing else; no link is opened). `--dkim-keys FILE` replaces DNS with a
//! static table, for offline use and for the tests. The core never looks anything up: it
//! receives the outcomes as [`DkimVerification`] values.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, Result};
use mail_auth::common::parse::TxtRecordParser;
use mail_auth::common::verify::{DomainKey, VerifySignature};
use mail_auth::{AuthenticatedMessage, DkimResult, MessageAuthenticator, ResolverCache, Txt};
use miwake_core::analysis::auth::DkimVerification;

/// DNS answers from a table: every name not in it is "not found", so nothing is queried.
pub struct StaticKeys {
    records: HashMap<String, Txt>,
    missing: Txt,
}

impl StaticKeys {
    /// Lines `selector._domainkey.example.com  v=DKIM1; k=rsa; p=…` (blank lines and `#`
    /// comments skipped).
    pub fn parse(text: &str) -> Result<Self> {
        let mut records = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let (name, record) = line
                .split_once(char::is_whitespace)
                .with_context(|| format!("line {}: want `NAME TXT-RECORD`", n + 1))?;
            let key = DomainKey::parse(record.trim().as_bytes())
                .map_err(|e| anyhow::anyhow!("line {}: not a DKIM key record: {e}", n + 1))?;
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            let txt = Txt::DomainKey(Arc::new(key));
            records.insert(format!("{name}."), txt.clone());
            records.insert(name, txt);
        }
        Ok(StaticKeys {
            records,
            missing: Txt::Error(mail_auth::Error::DnsError(
                "not in the --dkim-keys table".into(),
            )),
        })
    }

    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }
}

impl ResolverCache<String, Txt> for StaticKeys {
    fn get<Q>(&self, name: &Q) -> Option<Txt>
    where
        String: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        Some(
            self.records
                .get(name)
                .cloned()
                .unwrap_or_else(|| self.missing.clone()),
        )
    }

    fn remove<Q>(&self, _name: &Q) -> Option<Txt>
    where
        String: std::borrow::Borrow<Q>,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        None
    }

    fn insert(&self, _key: String, _value: Txt, _valid_until: Instant) {}
}

/// Verifies DKIM signatures, against DNS or a static key table.
pub struct Verifier {
    runtime: tokio::runtime::Runtime,
    authenticator: MessageAuthenticator,
    keys: Option<StaticKeys>,
}

impl Verifier {
    /// `keys`: a static table instead of DNS (nothing is then queried).
    pub fn new(keys: Option<StaticKeys>) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .context("starting the DNS runtime")?;
        let authenticator = MessageAuthenticator::new_system_conf()
            .or_else(|_| MessageAuthenticator::new_cloudflare())
            .context("configuring the DNS resolver")?;
        Ok(Verifier {
            runtime,
            authenticator,
            keys,
        })
    }

    /// One outcome per DKIM-Signature header (none when the message is unsigned).
    pub fn verify(&self, raw: &[u8]) -> Vec<DkimVerification> {
        let Some(message) = AuthenticatedMessage::parse(raw) else {
            return Vec::new();
        };
        let outputs = self.runtime.block_on(async {
            match &self.keys {
                Some(keys) => {
                    self.authenticator
                        .verify_dkim(mail_auth::Parameters::new(&message).with_txt_cache(keys))
                        .await
                }
                None => self.authenticator.verify_dkim(&message).await,
            }
        });
        outputs
            .iter()
            .map(|o| {
                let (result, detail) = match o.result() {
                    DkimResult::Pass => ("pass", None),
                    // RFC 6376 §3.7: a body that does not hash to `bh=` fails verification.
                    DkimResult::Neutral(e @ mail_auth::Error::FailedBodyHashMatch) => {
                        ("fail", Some(e.to_string()))
                    }
                    DkimResult::Neutral(e) => ("neutral", Some(e.to_string())),
                    DkimResult::Fail(e) => ("fail", Some(e.to_string())),
                    DkimResult::PermError(e) => ("permerror", Some(e.to_string())),
                    DkimResult::TempError(e) => ("temperror", Some(e.to_string())),
                    DkimResult::None => ("none", None),
                };
                DkimVerification {
                    domain: o
                        .signature()
                        .map(|s| s.domain().to_ascii_lowercase())
                        .unwrap_or_default(),
                    selector: o.signature().map(|s| s.selector().to_string()),
                    result: result.to_string(),
                    detail,
                }
            })
            .collect()
    }
}

//! Sending a built report through the user's own SMTP server (lettre). Opt-in: nothing in
//! miwake sends mail unless the user asks with `miwake report --send`.

use std::time::Duration;

use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{SmtpTransport, Transport};

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, required (port 587).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption. Only for a server on this machine (tests, local relays).
    None,
}

impl Security {
    pub fn default_port(self) -> u16 {
        match self {
            Security::StartTls => 587,
            Security::Tls => 465,
            Security::None => 25,
        }
    }
}

/// The user's own SMTP settings. The password comes from the environment or a file, never
/// from the command line (where other users could read it).
#[derive(Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<String>,
    pub timeout: Duration,
}

impl std::fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<hidden>"))
            .finish()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error("invalid address {address:?}: {message}")]
    Address { address: String, message: String },
    #[error("unencrypted SMTP is only allowed to this machine (localhost), not to {0}")]
    InsecureRemote(String),
    #[error("SMTP: {0}")]
    Smtp(String),
}

/// Send `message` (a whole RFC 5322 message) from `from` to `to`.
pub fn send(
    settings: &SmtpSettings,
    from: &str,
    to: &str,
    message: &[u8],
) -> Result<(), SendError> {
    let envelope = Envelope::new(Some(parse_address(from)?), vec![parse_address(to)?])
        .map_err(|e| SendError::Smtp(e.to_string()))?;
    let tls = match settings.security {
        Security::None => {
            if !is_local(&settings.host) {
                return Err(SendError::InsecureRemote(settings.host.clone()));
            }
            Tls::None
        }
        Security::StartTls => Tls::Required(tls_parameters(&settings.host)?),
        Security::Tls => Tls::Wrapper(tls_parameters(&settings.host)?),
    };
    let mut builder = SmtpTransport::builder_dangerous(settings.host.as_str())
        .port(settings.port)
        .tls(tls)
        .timeout(Some(settings.timeout));
    if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
        builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
    }
    builder
        .build()
        .send_raw(&envelope, message)
        .map(|_| ())
        .map_err(|e| SendError::Smtp(e.to_string()))
}

fn tls_parameters(host: &str) -> Result<TlsParameters, SendError> {
    TlsParameters::new(host.to_string()).map_err(|e| SendError::Smtp(e.to_string()))
}

fn parse_address(address: &str) -> Result<Address, SendError> {
    let bare = address
        .rsplit_once('<')
        .map(|(_, a)| a.trim_end_matches('>'))
        .unwrap_or(address)
        .trim();
    bare.parse()
        .map_err(|e: lettre::address::AddressError| SendError::Address {
            address: address.to_string(),
            message: e.to_string(),
        })
}

fn is_local(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_smtp_to_a_remote_host_is_refused() {
        let settings = SmtpSettings {
            host: "smtp.example.com".into(),
            port: 25,
            security: Security::None,
            username: None,
            password: None,
            timeout: Duration::from_secs(1),
        };
        let err = send(&settings, "me@example.com", "you@example.com", b"x").unwrap_err();
        assert!(matches!(err, SendError::InsecureRemote(_)), "{err}");
    }

    #[test]
    fn debug_output_hides_the_password() {
        let settings = SmtpSettings {
            host: "h".into(),
            port: 1,
            security: Security::Tls,
            username: Some("u".into()),
            password: Some("hunter2".into()),
            timeout: Duration::from_secs(1),
        };
        assert!(!format!("{settings:?}").contains("hunter2"));
    }

    #[test]
    fn display_name_addresses_are_accepted() {
        assert_eq!(
            parse_address("Taro <taro@example.com>")
                .map(|a| a.to_string())
                .ok(),
            Some("taro@example.com".to_string())
        );
        assert!(parse_address("not an address").is_err());
    }
}

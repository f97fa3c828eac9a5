//! The page templates (minijinja), embedded at build time. Every `.html` template escapes
//! what it prints: message text reaches the page only as escaped text.

use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("index.html", include_str!("../templates/index.html")),
    ("result.html", include_str!("../templates/result.html")),
    ("url.html", include_str!("../templates/url.html")),
    ("history.html", include_str!("../templates/history.html")),
    ("timeline.html", include_str!("../templates/timeline.html")),
    ("error.html", include_str!("../templates/error.html")),
];

pub struct Templates {
    env: Environment<'static>,
}

impl Templates {
    pub fn new() -> Result<Self, minijinja::Error> {
        let mut env = Environment::new();
        // A misspelt variable is an error in tests, not an empty string on the page.
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        if cfg!(feature = "unsafe-no-escape") {
            env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        }
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Templates { env })
    }

    pub fn render(&self, name: &str, context: impl Serialize) -> Result<String, minijinja::Error> {
        self.env.get_template(name)?.render(context)
    }
}

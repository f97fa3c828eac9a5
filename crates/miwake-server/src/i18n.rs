//! Interface text in Japanese and English, from `ui/strings.toml` (embedded).

use std::collections::BTreeMap;

use miwake_core::knowledge::Localized;
use miwake_core::Lang;
use serde::Deserialize;

#[derive(Deserialize)]
struct File {
    strings: BTreeMap<String, Localized>,
}

/// Every interface string, per language, ready to hand to a template as `t`.
pub struct Strings {
    ja: BTreeMap<String, String>,
    en: BTreeMap<String, String>,
}

impl Strings {
    pub fn embedded() -> Result<Self, toml::de::Error> {
        Self::parse(include_str!("../ui/strings.toml"))
    }

    fn parse(source: &str) -> Result<Self, toml::de::Error> {
        let file: File = toml::from_str(source)?;
        let pick = |lang: Lang| {
            file.strings
                .iter()
                .map(|(k, v)| (k.clone(), v.get(lang).to_string()))
                .collect()
        };
        Ok(Strings {
            ja: pick(Lang::Ja),
            en: pick(Lang::En),
        })
    }

    pub fn for_lang(&self, lang: Lang) -> &BTreeMap<String, String> {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

/// `en` picks English; anything else (or nothing) Japanese, the default.
pub fn parse_lang(value: Option<&str>) -> Lang {
    match value {
        Some(v) if v.eq_ignore_ascii_case("en") => Lang::En,
        _ => Lang::Ja,
    }
}

pub fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::Ja => "ja",
        Lang::En => "en",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_string_has_both_languages() {
        let s = Strings::embedded().expect("strings.toml parses");
        assert_eq!(s.ja.len(), s.en.len());
        for (key, ja) in &s.ja {
            assert!(!ja.trim().is_empty(), "{key} has no Japanese text");
            assert!(!s.en[key].trim().is_empty(), "{key} has no English text");
        }
        assert_eq!(s.for_lang(Lang::Ja)["nav_check"], "メッセージを確認");
    }

    #[test]
    fn japanese_is_the_default() {
        assert_eq!(parse_lang(None), Lang::Ja);
        assert_eq!(parse_lang(Some("fr")), Lang::Ja);
        assert_eq!(parse_lang(Some("EN")), Lang::En);
    }
}

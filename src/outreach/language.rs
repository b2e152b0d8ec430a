//! Which language version of a broadcast a chat gets.

use crate::store::Variant;

/// The index of the variant for a chat that chose `chosen` with `/language` and whose app is in
/// `app` (IETF tags such as "es-MX", or none): the chosen language first, then the app's, each by
/// the exact tag, else the same primary language ("es" for "es-MX" and the other way round); else
/// the first variant without a language, else the first.
#[must_use]
pub fn pick(variants: &[Variant], chosen: Option<&str>, app: Option<&str>) -> usize {
    [chosen, app]
        .into_iter()
        .flatten()
        .find_map(|lang| matching(variants, lang))
        .or_else(|| variants.iter().position(|v| v.language.is_none()))
        .unwrap_or(0)
}

/// The variant in `lang`: the exact tag, else the same primary language.
fn matching(variants: &[Variant], lang: &str) -> Option<usize> {
    let primary = |tag: &str| {
        tag.split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    if lang.trim().is_empty() {
        return None;
    }
    let tagged = |v: &Variant| v.language.as_deref().map(str::to_ascii_lowercase);
    let exact = lang.to_ascii_lowercase();
    variants
        .iter()
        .position(|v| tagged(v).as_deref() == Some(exact.as_str()))
        .or_else(|| {
            let want = primary(lang);
            variants
                .iter()
                .position(|v| v.language.as_deref().is_some_and(|l| primary(l) == want))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Body;

    fn v(lang: Option<&str>) -> Variant {
        Variant {
            language: lang.map(str::to_owned),
            body: Body::Text(lang.unwrap_or("default").to_owned()),
        }
    }

    #[test]
    fn exact_then_primary_then_default() {
        let vs = [v(Some("en")), v(None), v(Some("es")), v(Some("pt-BR"))];
        assert_eq!(pick(&vs, None, Some("es")), 2);
        assert_eq!(pick(&vs, None, Some("es-MX")), 2);
        assert_eq!(pick(&vs, None, Some("pt")), 3);
        assert_eq!(pick(&vs, None, Some("EN")), 0);
        assert_eq!(pick(&vs, None, Some("de")), 1);
        assert_eq!(pick(&vs, None, None), 1);
        assert_eq!(pick(&vs, Some(""), Some(" ")), 1);
        // Without a default, the first.
        assert_eq!(pick(&vs[2..], None, Some("fr")), 0);
        assert_eq!(pick(&[], None, Some("fr")), 0);
    }

    #[test]
    fn the_chosen_language_comes_before_the_apps() {
        let vs = [v(None), v(Some("en")), v(Some("es"))];
        // An app in English, Spanish chosen with /language.
        assert_eq!(pick(&vs, Some("es"), Some("en-US")), 2);
        assert_eq!(pick(&vs, Some("en"), Some("es-MX")), 1);
        // A choice no version is in: the app's language, then the default.
        assert_eq!(pick(&vs, Some("pt"), Some("es")), 2);
        assert_eq!(pick(&vs, Some("pt"), None), 0);
    }
}

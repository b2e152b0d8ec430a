//! Which language version of a broadcast a chat gets.

use crate::store::Variant;

/// The index of the variant for a chat whose app is in `language` (an IETF tag such as "es-MX",
/// or none): the exact tag, else the same primary language ("es" for "es-MX" and the other way
/// round), else the first variant without a language, else the first.
#[must_use]
pub fn pick(variants: &[Variant], language: Option<&str>) -> usize {
    let primary = |tag: &str| {
        tag.split(['-', '_'])
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    if let Some(lang) = language.filter(|l| !l.trim().is_empty()) {
        let tagged = |v: &Variant| v.language.as_deref().map(str::to_ascii_lowercase);
        let exact = lang.to_ascii_lowercase();
        if let Some(i) = variants
            .iter()
            .position(|v| tagged(v).as_deref() == Some(exact.as_str()))
        {
            return i;
        }
        let want = primary(lang);
        if let Some(i) = variants
            .iter()
            .position(|v| v.language.as_deref().is_some_and(|l| primary(l) == want))
        {
            return i;
        }
    }
    variants
        .iter()
        .position(|v| v.language.is_none())
        .unwrap_or(0)
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
        assert_eq!(pick(&vs, Some("es")), 2);
        assert_eq!(pick(&vs, Some("es-MX")), 2);
        assert_eq!(pick(&vs, Some("pt")), 3);
        assert_eq!(pick(&vs, Some("EN")), 0);
        assert_eq!(pick(&vs, Some("de")), 1);
        assert_eq!(pick(&vs, None), 1);
        // Without a default, the first.
        assert_eq!(pick(&vs[2..], Some("fr")), 0);
        assert_eq!(pick(&[], Some("fr")), 0);
    }
}

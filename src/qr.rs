//! QR codes of deep links, as SVG (drawn by the `qrcode` crate) or PNG (its modules written by
//! the small `png` encoder, without the heavy `image` crate).

use qrcode::{Color, EcLevel, QrCode};

/// Pixels per module in a PNG.
const SCALE: usize = 8;
/// The quiet zone around the code, in modules (the QR standard asks for four).
const QUIET: usize = 4;

/// Which file to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Scalable, for print.
    Svg,
    /// A bitmap, for the web and newsletters.
    Png,
}

impl Format {
    /// The format a file name asks for by its extension, if it is `.svg` or `.png`.
    #[must_use]
    pub fn of(path: &std::path::Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "svg" => Some(Format::Svg),
            "png" => Some(Format::Png),
            _ => None,
        }
    }
}

/// The QR code of `data` (medium error correction: survives a smudge on a poster).
///
/// # Errors
/// The data does not fit a QR code.
pub fn encode(data: &str, format: Format) -> Result<Vec<u8>, String> {
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|e| format!("cannot make a QR code of {data}: {e}"))?;
    Ok(match format {
        Format::Svg => code
            .render::<qrcode::render::svg::Color>()
            .min_dimensions(256, 256)
            .quiet_zone(true)
            .build()
            .into_bytes(),
        Format::Png => png(&code)?,
    })
}

fn png(code: &QrCode) -> Result<Vec<u8>, String> {
    let width = code.width();
    let colors = code.to_colors();
    let side = (width + 2 * QUIET) * SCALE;
    // One byte per pixel, greyscale: 0 dark, 255 light.
    let mut pixels = vec![255u8; side * side];
    for (i, c) in colors.iter().enumerate() {
        if *c != Color::Dark {
            continue;
        }
        let (x, y) = ((i % width + QUIET) * SCALE, (i / width + QUIET) * SCALE);
        for row in y..y + SCALE {
            pixels[row * side + x..row * side + x + SCALE].fill(0);
        }
    }
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, side as u32, side as u32);
    encoder.set_color(png::ColorType::Grayscale);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder
        .write_header()
        .map_err(|e| format!("cannot write the PNG: {e}"))?;
    writer
        .write_image_data(&pixels)
        .map_err(|e| format!("cannot write the PNG: {e}"))?;
    writer
        .finish()
        .map_err(|e| format!("cannot write the PNG: {e}"))?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINK: &str = "https://t.me/SunnyPedsBot?start=relief-now";

    #[test]
    fn svg_is_an_svg_of_the_right_size() {
        let svg = String::from_utf8(encode(LINK, Format::Svg).unwrap()).unwrap();
        assert!(svg.contains("<svg"), "{svg}");
        assert!(svg.contains("<path"), "{svg}");
    }

    #[test]
    fn png_decodes_back_to_the_code() {
        let bytes = encode(LINK, Format::Png).unwrap();
        let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        let code = QrCode::with_error_correction_level(LINK.as_bytes(), EcLevel::M).unwrap();
        let side = (code.width() + 2 * QUIET) * SCALE;
        assert_eq!((info.width as usize, info.height as usize), (side, side));
        // Every module's centre pixel has the module's colour; the quiet zone is light.
        let colors = code.to_colors();
        for (i, c) in colors.iter().enumerate() {
            let x = (i % code.width() + QUIET) * SCALE + SCALE / 2;
            let y = (i / code.width() + QUIET) * SCALE + SCALE / 2;
            let dark = buf[y * side + x] == 0;
            assert_eq!(dark, *c == Color::Dark, "module {i}");
        }
        assert!(buf[..side * QUIET * SCALE].iter().all(|p| *p == 255));
    }

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::of("a/b.SVG".as_ref()), Some(Format::Svg));
        assert_eq!(Format::of("b.png".as_ref()), Some(Format::Png));
        assert_eq!(Format::of("b.jpg".as_ref()), None);
        assert_eq!(Format::of("b".as_ref()), None);
    }
}

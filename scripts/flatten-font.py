#!/usr/bin/python3
"""Writes the first font of a TrueType file or collection with every composite glyph flattened.

    flatten-font.py SOURCE.ttc OUT.ttf

Statements print Chinese, Japanese and Korean names in WenQuanYi Micro Hei, most of whose
glyphs (every Hangul syllable, many Han characters) are composites: outlines that refer to
other glyphs. libharu embeds only the glyphs a document uses and does not follow those
references, so a composite would print blank. Flattened, each glyph carries its own outline.
"""
import sys

from fontTools.pens.recordingPen import DecomposingRecordingPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont


def main(source, out):
    font = TTCollection(source).fonts[0] if source.endswith(".ttc") else TTFont(source)
    glyf = font["glyf"]
    glyphs = font.getGlyphSet()
    flat = {}
    for name in font.getGlyphOrder():
        if glyf[name].isComposite():
            recording = DecomposingRecordingPen(glyphs)
            glyphs[name].draw(recording)
            pen = TTGlyphPen(None)
            recording.replay(pen)
            flat[name] = pen.glyph()
    for name, glyph in flat.items():  # replaced once all are drawn, each from the originals
        glyf[name] = glyph
    font.save(out)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: flatten-font.py SOURCE OUT")
    main(sys.argv[1], sys.argv[2])

package licenses

import (
	"bytes"
	"unicode/utf8"
)

// Normalize returns a copy of a licence file's bytes made fit for matching,
// of the same length as data so that offsets and line numbers carry over to
// the original:
//
//   - a UTF-8 byte order mark becomes spaces;
//   - every byte that is not valid UTF-8 becomes a space (a Latin-1
//     "München" loses its "ü", nothing else);
//   - CR LF becomes " \n" and a lone CR (old Mac line ends) "\n";
//   - Markdown decoration that adds words of its own is blanked: code fence
//     lines with their info string ("```text"), HTML comments, link
//     reference definitions ("[1]: https://..."), and the targets of
//     inline links and images ("[MIT](LICENSE-MIT)" keeps "[MIT]").
//
// Headings, emphasis, block quotes and rules are punctuation, which the
// matcher ignores, so they stay as they are.
func Normalize(data []byte) []byte {
	b := make([]byte, len(data))
	copy(b, data)
	if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) {
		copy(b, "   ")
	}
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			b[i] = ' '
		}
		if r == '\r' {
			if i+1 < len(b) && b[i+1] == '\n' {
				b[i] = ' '
			} else {
				b[i] = '\n'
			}
		}
		i += size
	}
	blankComments(b)
	blankLines(b)
	blankLinkTargets(b)
	return b
}

// blank replaces b[i:j] by spaces, keeping line breaks.
func blank(b []byte, i, j int) {
	for k := i; k < j; k++ {
		if b[k] != '\n' {
			b[k] = ' '
		}
	}
}

// blankComments blanks HTML comments, which may span lines.
func blankComments(b []byte) {
	for i := 0; ; {
		s := bytes.Index(b[i:], []byte("<!--"))
		if s < 0 {
			return
		}
		s += i
		e := bytes.Index(b[s+4:], []byte("-->"))
		if e < 0 {
			blank(b, s, len(b))
			return
		}
		e += s + 4 + 3
		blank(b, s, e)
		i = e
	}
}

// blankLines blanks code fence lines and link reference definitions.
func blankLines(b []byte) {
	for start := 0; start < len(b); {
		end := bytes.IndexByte(b[start:], '\n')
		if end < 0 {
			end = len(b)
		} else {
			end += start
		}
		line := b[start:end]
		trimmed := bytes.TrimLeft(line, " \t")
		if bytes.HasPrefix(trimmed, []byte("```")) || bytes.HasPrefix(trimmed, []byte("~~~")) || isLinkDefinition(trimmed) {
			blank(b, start, end)
		}
		start = end + 1
	}
}

// isLinkDefinition reports whether a line is "[label]: target".
func isLinkDefinition(line []byte) bool {
	if len(line) < 4 || line[0] != '[' {
		return false
	}
	i := bytes.IndexByte(line, ']')
	return i > 1 && i+1 < len(line) && line[i+1] == ':' && !bytes.ContainsAny(line[1:i], "[\n")
}

// blankLinkTargets blanks "(target)" after "]" and the "!" of images, on
// one line.
func blankLinkTargets(b []byte) {
	for i := 0; i+1 < len(b); i++ {
		if b[i] != ']' || b[i+1] != '(' {
			continue
		}
		j := i + 2
		depth := 1
		for ; j < len(b) && b[j] != '\n'; j++ {
			if b[j] == '(' {
				depth++
			}
			if b[j] == ')' {
				if depth--; depth == 0 {
					break
				}
			}
		}
		if j >= len(b) || b[j] != ')' {
			continue
		}
		blank(b, i+1, j+1)
		i = j
	}
}

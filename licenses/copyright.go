package licenses

import (
	"bytes"
	"regexp"
	"strings"
)

// Copyright is one copyright statement in a licence file.
type Copyright struct {
	// Line is the 1-based line number.
	Line int
	// Text is the statement as written, without surrounding comment or
	// Markdown markers: "Copyright (c) 2024 Landeshauptstadt München | it@M".
	Text string
	// Holder is who the statement names: "Landeshauptstadt München | it@M".
	Holder string
	// Years is the year or years as written: "2024", "2020-2024",
	// "2019, 2021"; empty when none is given.
	Years string
}

// statementRE finds where a copyright statement starts in a line: the word
// Copyright (optionally followed by a sign), a sign alone, or the REUSE tag.
var statementRE = regexp.MustCompile(`(?i)(spdx-filecopyrighttext:|\bcopyright\b\s*:?\s*(?:\(c\)|©|&copy;)?|©|\(c\)|&copy;)`)

// signRE is a copyright sign.
var signRE = regexp.MustCompile(`(?i)^(?:\(c\)|©|&copy;)\s*`)

// yearsRE is a year, a range or a list of them at the start of a text.
var yearsRE = regexp.MustCompile(`(?i)^\d{4}(?:\s*[-–—]\s*(?:\d{4}|\d{2}\b|present|today|heute|now))?(?:\s*,\s*\d{4}(?:\s*[-–—]\s*(?:\d{4}|\d{2}\b|present|today|heute|now))?)*`)

// reservedRE is the trailing "All rights reserved." of a statement.
var reservedRE = regexp.MustCompile(`(?i)[\s.,;]*all\s+rights\s+reserved\.?\s*$`)

// leadChars are the comment and Markdown markers before a statement
// ("/*", " * ", "//", "#", ";", "- ", "> ", "**", "__", "|").
const leadChars = " \t/*#;->_|"

// trailRE are comment and Markdown markers after a statement.
var trailRE = regexp.MustCompile(`(?:\s|\*+/|\*+|_+|\\)*$`)

// FindCopyright returns the copyright statements in a text, one per line,
// with 1-based line numbers. It accepts "Copyright (c) 2024 Name", "(C)",
// "©", "&copy;", "Copyright 2020-2024 Name" and REUSE's
// "SPDX-FileCopyrightText: 2024 Name", at the start of a line (after
// comment or Markdown markers) or, with a sign and a year, after a title
// ("MIT License Copyright (c) 2024 Name").
//
// Licence bodies mention copyright in passing ("the above copyright
// notice"): a bare "Copyright" therefore counts only when a sign or a year
// follows. The GNU licences' own notice (Free Software Foundation) and the
// unfilled "how to apply" templates inside the GPL and Apache texts are not
// the project's copyright and are left out; an unfilled MIT template line
// ("Copyright (c) <year> <copyright holders>") is kept, since it is one.
func FindCopyright(text []byte) []Copyright {
	var out []Copyright
	lineNo := 0
	for len(text) > 0 {
		lineNo++
		var line []byte
		if i := bytes.IndexByte(text, '\n'); i >= 0 {
			line, text = text[:i], text[i+1:]
		} else {
			line, text = text, nil
		}
		if c, ok := parseStatement(string(line)); ok {
			c.Line = lineNo
			out = append(out, c)
		}
	}
	return out
}

func parseStatement(line string) (Copyright, bool) {
	line = strings.TrimRight(line, " \t\r")
	body := strings.TrimLeft(line, leadChars)
	// Most lines of a licence hold no statement, and many of a licence
	// about copyright mention it mid-sentence: skip them before the
	// regular expressions, which dominate the cost otherwise.
	if !startsStatement(body) && !hasSignAndYear(body) {
		return Copyright{}, false
	}
	loc := statementRE.FindStringIndex(body)
	if loc == nil {
		return Copyright{}, false
	}
	atStart := loc[0] == 0
	marker := strings.ToLower(body[loc[0]:loc[1]])
	rest := strings.TrimLeft(body[loc[1]:], " \t:")
	signed := strings.Contains(marker, "(c)") || strings.Contains(marker, "©") || strings.Contains(marker, "&copy;")
	if m := signRE.FindString(rest); m != "" {
		// "Copyright © (c) 2024", "© Copyright" and the like.
		signed = true
		rest = rest[len(m):]
	}
	rest = strings.TrimLeft(rest, " \t")
	reuse := strings.HasPrefix(marker, "spdx")
	years := yearsRE.FindString(rest)
	switch {
	case reuse:
	case !atStart && !(signed && years != ""):
		// Mid-line mentions ("EUPL © the European Union 2007") are not
		// statements unless they carry a sign and a year.
		return Copyright{}, false
	case !signed && years == "":
		// "copyright notice", "Copyright and related rights".
		return Copyright{}, false
	case !strings.Contains(marker, "copyright") && years == "":
		// A sign alone needs a year: "(c) You must retain ..." is the
		// third item of a list in the Apache licence.
		return Copyright{}, false
	}
	holder := strings.TrimLeft(rest[len(years):], " \t,.:;")
	if strings.HasPrefix(strings.ToLower(holder), "by ") {
		holder = holder[3:]
	}
	holder = trailRE.ReplaceAllString(holder, "")
	holder = reservedRE.ReplaceAllString(holder, "")
	holder = strings.TrimRight(holder, " \t,;")
	text := trailRE.ReplaceAllString(body[loc[0]:], "")
	if isLicenceOwnNotice(holder) {
		return Copyright{}, false
	}
	return Copyright{Text: text, Holder: holder, Years: strings.TrimSpace(years)}, true
}

// isLicenceOwnNotice reports whether a holder belongs to the licence text
// itself rather than to the project.
func isLicenceOwnNotice(holder string) bool {
	h := strings.ToLower(holder)
	return strings.Contains(h, "free software foundation") ||
		strings.Contains(h, "<name of author>") ||
		strings.Contains(h, "[name of copyright owner]")
}

// startsStatement reports whether a line (after its markers) starts like
// a copyright statement.
func startsStatement(body string) bool {
	for _, p := range []string{"copyright", "©", "(c)", "&copy;", "spdx-filecopyrighttext"} {
		if hasPrefixFold(body, p) {
			return true
		}
	}
	return false
}

// hasSignAndYear reports whether a copyright sign followed by a year
// occurs in a line: "MIT License Copyright (c) 2024 ...".
func hasSignAndYear(s string) bool {
	for i := 0; i < len(s); i++ {
		for _, sign := range []string{"©", "(c)", "&copy;"} {
			if hasPrefixFold(s[i:], sign) {
				rest := strings.TrimLeft(s[i+len(sign):], " \t")
				if len(rest) >= 4 && isDigits(rest[:4]) {
					return true
				}
			}
		}
	}
	return false
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// hasPrefixFold reports whether s starts with prefix, ignoring ASCII case;
// prefix is lower-case.
func hasPrefixFold(s, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for j := 0; j < len(prefix); j++ {
		c := s[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[j] {
			return false
		}
	}
	return true
}

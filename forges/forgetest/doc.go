// Package forgetest provides fake GitHub and GitLab REST APIs
// (httptest servers) over fixture organisations made of plain folders, for
// the forges' own tests, end-to-end tests of the binary and benchmarks.
//
// The fakes answer with the real response shapes (checked against the
// forges' REST documentation), paginate with Link headers, support
// ETag / If-None-Match with 304 answers, send rate-limit headers, count
// requests per path pattern and inject faults on demand: server errors,
// timeouts, malformed JSON, repositories that vanish mid-scan, bad tokens,
// secondary and primary rate limits. File contents are read from disk on
// every request, so a test may change a fixture between two scans.
package forgetest

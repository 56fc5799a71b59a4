package policy

import (
	"context"
	"runtime"
	"testing"
	"testing/fstest"
	"time"

	"github.com/it-at-m/ospo-scan/rules"
)

func cacheEntries() int {
	n := 0
	caches.Range(func(any, any) bool { n++; return true })
	return n
}

// TestRepositoryCacheIsReleased: the per-repository cache of custom rules
// goes with the scan's Facts, so an org scan does not keep every
// repository's files in memory.
func TestRepositoryCacheIsReleased(t *testing.T) {
	p := mustParse(t, `
custom:
  - {id: c/a, title: A, type: expr, expr: "files.contains('README.md', '(?i)contact') && repo.name != '' && size(licenses) >= 0"}
  - {id: c/b, title: B, type: file-contains, paths: [README.md], pattern: '(?i)contact'}
`)
	_, set := p.For(localMeta("x"))
	before := cacheEntries()
	for range 20 {
		repo := repoOf(localMeta("x"), fstest.MapFS{"README.md": {Data: []byte("## Contact\n")}})
		rules.RunWithFacts(context.Background(), repo, rules.NewFacts(repo), set)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
		runtime.GC()
		if cacheEntries() <= before {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("%d repository caches remain after their Facts are gone (%d before)", cacheEntries(), before)
}

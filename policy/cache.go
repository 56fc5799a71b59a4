package policy

import (
	"runtime"
	"sync"
	"weak"

	"github.com/it-at-m/ospo-scan/rules"
)

// repoCache holds what custom rules derive from one repository's files
// beyond rules.Facts: the files a path pattern found, case-folded file
// texts and CEL's variables. A policy with hundreds of custom rules asks
// the same questions many times per repository; each is answered once.
// Nothing in it may point to the Facts, or the entry would never go.
type repoCache struct {
	mu     sync.Mutex
	found  map[findKey]findResult
	folded map[string]foldedText
	// For CEL: `repo`, and `licenses` once computed.
	repo    *celRepo
	licOnce sync.Once
	lic     []string
}

type findKey struct {
	pattern          string
	ignoreCase, dirs bool
}

type findResult struct {
	paths []string
	err   error
}

type foldedText struct {
	text        []byte
	sameOffsets bool
}

// caches maps a scan's Facts to its repoCache without keeping the Facts
// alive: the entry goes when the scanner drops the Facts.
var caches sync.Map // weak.Pointer[rules.Facts] -> *repoCache

func cacheOf(f *rules.Facts) *repoCache {
	key := weak.Make(f)
	if c, ok := caches.Load(key); ok {
		return c.(*repoCache)
	}
	c, loaded := caches.LoadOrStore(key, &repoCache{found: map[findKey]findResult{}, folded: map[string]foldedText{}})
	if !loaded {
		runtime.AddCleanup(f, func(k weak.Pointer[rules.Facts]) { caches.Delete(k) }, key)
	}
	return c.(*repoCache)
}

// folder returns a folder that folds the text of file name once per
// repository.
func (c *repoCache) folder(name string, data []byte) folder {
	return func() ([]byte, bool) {
		c.mu.Lock()
		ft, ok := c.folded[name]
		c.mu.Unlock()
		if !ok {
			ft.text, ft.sameOffsets = foldBytes(data)
			c.mu.Lock()
			c.folded[name] = ft
			c.mu.Unlock()
		}
		return ft.text, ft.sameOffsets
	}
}

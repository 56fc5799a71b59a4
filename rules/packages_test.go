package rules_test

import (
	"testing"

	"github.com/it-at-m/ospo-scan/forges"
	"github.com/it-at-m/ospo-scan/rules"
)

const pomOwnGroup = `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
    <modelVersion>4.0.0</modelVersion>
    <parent>
        <groupId>org.springframework.boot</groupId>
        <artifactId>spring-boot-starter-parent</artifactId>
        <version>3.4.1</version>
    </parent>
    <groupId>de.muenchen.dave</groupId>
    <artifactId>dave-backend</artifactId>
    <dependencies>
        <dependency>
            <groupId>com.example</groupId>
            <artifactId>lib</artifactId>
        </dependency>
    </dependencies>
</project>
`

func TestPackagesPom(t *testing.T) {
	t.Run("own groupId", func(t *testing.T) {
		r := ciOne(t, ciRun(t, rules.PackagesCoordinates, ciFiles("pom.xml", pomOwnGroup), forges.Meta{}, nil))
		ciStatus(t, r, rules.StatusPass, "pom.xml groupId de.muenchen.dave")
		if r.Line != ciLine(t, pomOwnGroup, "<groupId>de.muenchen") {
			t.Errorf("line = %d, want the project's groupId", r.Line)
		}
	})
	t.Run("foreign groupId", func(t *testing.T) {
		src := `<project><modelVersion>4.0.0</modelVersion>
  <groupId>com.example.dave</groupId>
  <artifactId>dave</artifactId>
</project>`
		r := ciOne(t, ciRun(t, rules.PackagesCoordinates, ciFiles("pom.xml", src), forges.Meta{}, nil))
		ciStatus(t, r, rules.StatusFail, "pom.xml groupId com.example.dave does not start with de.muenchen")
		if r.Line != 2 || r.Evidence != "com.example.dave" {
			t.Errorf("line %d evidence %q, want 2 and the groupId", r.Line, r.Evidence)
		}
	})
	t.Run("look-alike prefix", func(t *testing.T) {
		src := "<project><groupId>de.muenchenfoo</groupId></project>"
		ciStatus(t, ciOne(t, ciRun(t, rules.PackagesCoordinates, ciFiles("pom.xml", src), forges.Meta{}, nil)), rules.StatusFail)
	})
	t.Run("parent groupId only", func(t *testing.T) {
		src := "<project>\n  <parent>\n    <groupId>de.muenchen.refarch</groupId>\n    <artifactId>refarch-parent</artifactId>\n  </parent>\n  <artifactId>app</artifactId>\n</project>\n"
		r := ciOne(t, ciRun(t, rules.PackagesCoordinates, ciFiles("pom.xml", src), forges.Meta{}, nil))
		ciStatus(t, r, rules.StatusPass, "pom.xml inherits groupId de.muenchen.refarch from its parent")
		if r.Line != 3 {
			t.Errorf("line = %d, want 3", r.Line)
		}

		src = "<project>\n  <parent>\n    <groupId>org.springframework.boot</groupId>\n  </parent>\n  <artifactId>app</artifactId>\n</project>\n"
		r = ciOne(t, ciRun(t, rules.PackagesCoordinates, ciFiles("pom.xml", src), forges.Meta{}, nil))
		ciStatus(t, r, rules.StatusFail, "pom.xml has no groupId of its own and inherits org.springframework.boot from its parent", "add <groupId>de.muenchen")
	})
	t.Run("groupId parameter", func(t *testing.T) {
		r := ciOne(t, ciRun(t, rules.PackagesCoordinates, ciFiles("pom.xml", pomOwnGroup), forges.Meta{}, map[string]any{"groupId": "de.muenchen.dave"}))
		ciStatus(t, r, rules.StatusPass)
	})
	t.Run("malformed", func(t *testing.T) {
		src := "<project>\n  <groupId>de.muenchen</groupId>\n  <artifactId>x</artifact>\n</project>\n"
		r := ciOne(t, ciRun(t, rules.PackagesCoordinates, ciFiles("pom.xml", src), forges.Meta{}, nil))
		ciStatus(t, r, rules.StatusError, "pom.xml is not well-formed XML")
		if r.Line != 3 {
			t.Errorf("line = %d, want 3", r.Line)
		}
	})
}

func TestPackagesNpm(t *testing.T) {
	t.Run("scoped", func(t *testing.T) {
		src := "{\n  \"name\": \"@muenchen/appswitcher-webcomponent\",\n  \"version\": \"1.0.0\"\n}\n"
		r := ciOne(t, ciRun(t, rules.PackagesCoordinates, ciFiles("package.json", src), forges.Meta{}, nil))
		ciStatus(t, r, rules.StatusPass, "@muenchen/appswitcher-webcomponent")
		if r.Line != 2 {
			t.Errorf("line = %d, want 2", r.Line)
		}
	})
	t.Run("unscoped", func(t *testing.T) {
		src := `{
  "version": "1.0.0",
  "scripts": {"name": "not this one", "build": "vite build"},
  "files": ["dist", {"name": "nor this"}],
  "name": "dave-frontend"
}`
		r := ciOne(t, ciRun(t, rules.PackagesCoordinates, ciFiles("package.json", src), forges.Meta{}, nil))
		ciStatus(t, r, rules.StatusFail, "package.json name dave-frontend is not in the @muenchen scope: rename it to @muenchen/dave-frontend")
		if r.Line != 5 {
			t.Errorf("line = %d, want 5, the top-level name", r.Line)
		}
	})
	t.Run("other scope", func(t *testing.T) {
		r := ciOne(t, ciRun(t, rules.PackagesCoordinates, ciFiles("package.json", `{"name": "@lhm/map"}`), forges.Meta{}, nil))
		ciStatus(t, r, rules.StatusFail, "rename it to @muenchen/map")
	})
	t.Run("private", func(t *testing.T) {
		src := `{"name": "dave-frontend", "private": true}`
		r := ciOne(t, ciRun(t, rules.PackagesCoordinates, ciFiles("package.json", src), forges.Meta{}, nil))
		ciStatus(t, r, rules.StatusNotApplicable, "package.json is private")
	})
	t.Run("private next to a pom", func(t *testing.T) {
		files := ciFiles("package.json", `{"name": "dave-frontend", "private": true}`, "pom.xml", pomOwnGroup)
		r := ciOne(t, ciRun(t, rules.PackagesCoordinates, files, forges.Meta{}, nil))
		ciStatus(t, r, rules.StatusPass, "pom.xml groupId")
	})
	t.Run("both checked", func(t *testing.T) {
		files := ciFiles("package.json", `{"name": "dave-frontend"}`, "pom.xml", pomOwnGroup)
		rs := ciRun(t, rules.PackagesCoordinates, files, forges.Meta{}, nil)
		if len(rs) != 2 {
			t.Fatalf("got %d results, want one per manifest:\n%s", len(rs), ciDump(rs))
		}
		ciStatus(t, rs[0], rules.StatusFail, "package.json name dave-frontend")
		ciStatus(t, rs[1], rules.StatusPass, "pom.xml groupId")
	})
	t.Run("malformed", func(t *testing.T) {
		r := ciOne(t, ciRun(t, rules.PackagesCoordinates, ciFiles("package.json", "{\n  \"name\": \"x\",\n}\n"), forges.Meta{}, nil))
		ciStatus(t, r, rules.StatusError, "package.json is not valid JSON")
		if r.Line != 3 {
			t.Errorf("line = %d, want 3", r.Line)
		}
	})
}

func TestPackagesNeither(t *testing.T) {
	r := ciOne(t, ciRun(t, rules.PackagesCoordinates, ciFiles("go.mod", "module x\n"), forges.Meta{}, nil))
	ciStatus(t, r, rules.StatusNotApplicable, "no pom.xml or package.json")
}

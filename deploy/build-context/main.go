// Command build-context lists what `docker build` would send from a directory, after its
// .dockerignore, with the pattern matcher BuildKit itself uses (github.com/moby/patternmatcher), and
// fails when local state would go in: a .data, .git, target or node_modules directory (only the
// app's jar may come from a target directory), or a file whose name holds "token" or ends in .key or
// .pem. deploy/validate.sh runs it on the repository root, so the check covers the working copy as
// it is, .data with its API token included.
//
//	cd deploy/build-context && go run . ../..
package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// The one file the image takes from a target directory (deploy/Dockerfile).
const jar = "api/target/durable-loops.jar"

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: build-context DIR")
		os.Exit(2)
	}
	root := os.Args[1]
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if err != nil {
		fail("no .dockerignore at the build context's root: %v", err)
	}
	patterns, err := ignorefile.ReadAll(f)
	f.Close()
	if err != nil {
		fail("reading .dockerignore: %v", err)
	}
	matcher, err := patternmatcher.New(patterns)
	if err != nil {
		fail("the patterns of .dockerignore: %v", err)
	}
	sent, leaks := 0, 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if rel == "." || d.IsDir() {
			return nil
		}
		excluded, err := matcher.MatchesOrParentMatches(filepath.ToSlash(rel))
		if err != nil || excluded {
			return err
		}
		sent++
		if reason := leak(filepath.ToSlash(rel)); reason != "" {
			fmt.Fprintf(os.Stderr, "build-context: %s would be sent to the Docker daemon (%s)\n", rel, reason)
			leaks++
		}
		return nil
	})
	if err != nil {
		fail("walking %s: %v", root, err)
	}
	if leaks > 0 {
		fail("%d file(s) of local state in the build context; add them to .dockerignore", leaks)
	}
	fmt.Printf("build-context: %d files would be sent, none of them local state\n", sent)
}

// leak says why a file sent in the build context is local state, or "" when it is not.
func leak(rel string) string {
	parts := strings.Split(rel, "/")
	for _, dir := range parts[:len(parts)-1] {
		switch dir {
		case ".data", ".git", "node_modules":
			return "inside " + dir
		case "target":
			if rel != jar {
				return "inside a target directory"
			}
		}
	}
	name := strings.ToLower(parts[len(parts)-1])
	switch {
	case strings.Contains(name, "token"):
		return "a token file"
	case strings.HasSuffix(name, ".key"), strings.HasSuffix(name, ".pem"):
		return "a key or certificate"
	case name == ".env":
		return "an environment file"
	}
	return ""
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "build-context: "+format+"\n", args...)
	os.Exit(1)
}

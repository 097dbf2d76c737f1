module github.com/durable-loops/durable-loops/deploy/build-context

go 1.22

require github.com/moby/patternmatcher v0.6.0

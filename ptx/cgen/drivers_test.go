package cgen_test

// Package streaming links no driver; these tests run on the default set.
import _ "github.com/streamhal/streamhal/hal/all"

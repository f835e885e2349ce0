module github.com/streamhal/streamhal

go 1.24

module example.com/pinned-old-xsys

go 1.23.0

require golang.org/x/sys v0.0.0-20220715151400-c0bba94af5f8

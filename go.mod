module github.com/gospead/tutorial

go 1.26.0

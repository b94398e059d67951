// gorm is a test application for gorm (gorm.io/gorm) in build mode: gorm runs every statement
// through database/sql, so autotel traces it with database/sql's hooks and adds no span of its
// own (one span per statement). For each database named in the environment (GORM_MYSQL_DSN for
// MariaDB through gorm.io/driver/mysql, GORM_POSTGRES_DSN for PostgreSQL through
// gorm.io/driver/postgres, which uses pgx/v5/stdlib, GORM_SQLITE_PATH for SQLite through
// gorm.io/driver/sqlite) it serves one HTTP request, /work/<driver>, whose handler migrates a
// model, creates, reads, updates and deletes rows, runs a transaction and one query without the
// request's ctx (gorm's default context.Background(): goroutine-local context gives the parent).
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"

	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Book is the model; gorm names its table books.
type Book struct {
	ID     uint `gorm:"primaryKey"`
	Title  string
	Author string
}

func work(ctx context.Context, db *gorm.DB) (string, error) {
	c := db.WithContext(ctx)
	if err := c.AutoMigrate(&Book{}); err != nil {
		return "", fmt.Errorf("migrate: %w", err)
	}
	if err := c.Create(&Book{ID: 1, Title: "Dune", Author: "Herbert"}).Error; err != nil {
		return "", fmt.Errorf("create: %w", err)
	}
	var b Book
	if err := c.First(&b, 1).Error; err != nil {
		return "", fmt.Errorf("first: %w", err)
	}
	if err := c.Model(&b).Update("title", "Dune Messiah").Error; err != nil {
		return "", fmt.Errorf("update: %w", err)
	}
	err := c.Transaction(func(tx *gorm.DB) error {
		return tx.Create(&Book{ID: 2, Title: "Emma", Author: "Austen"}).Error
	})
	if err != nil {
		return "", fmt.Errorf("transaction: %w", err)
	}
	// No WithContext: gorm's statements run with context.Background().
	var count int64
	if err := db.Model(&Book{}).Where("author <> ?", "nobody").Count(&count).Error; err != nil {
		return "", fmt.Errorf("count: %w", err)
	}
	if err := c.Delete(&Book{}, 2).Error; err != nil {
		return "", fmt.Errorf("delete: %w", err)
	}
	if err := c.First(&Book{}, 99).Error; err != gorm.ErrRecordNotFound {
		return "", fmt.Errorf("first of a missing row: %v", err)
	}
	return fmt.Sprintf("%d books, %s", count, b.Title), nil
}

func main() {
	dialectors := map[string]gorm.Dialector{}
	if dsn := os.Getenv("GORM_MYSQL_DSN"); dsn != "" {
		dialectors["mysql"] = mysql.Open(dsn)
	}
	if dsn := os.Getenv("GORM_POSTGRES_DSN"); dsn != "" {
		dialectors["postgres"] = postgres.Open(dsn)
	}
	if path := os.Getenv("GORM_SQLITE_PATH"); path != "" {
		dialectors["sqlite"] = sqlite.Open(path)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	results := map[string]string{}
	failures := map[string]error{}
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		driver := r.URL.Path[len("/work/"):]
		db, err := gorm.Open(dialectors[driver], &gorm.Config{Logger: logger.Discard})
		if err == nil {
			results[driver], err = work(r.Context(), db)
		}
		failures[driver] = err
		io.WriteString(w, "done")
	}))
	for _, driver := range []string{"mysql", "postgres", "sqlite"} {
		if dialectors[driver] == nil {
			continue
		}
		resp, err := http.Get("http://" + ln.Addr().String() + "/work/" + driver)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if failures[driver] != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", driver, failures[driver])
			os.Exit(1)
		}
		fmt.Printf("%s: %s\n", driver, results[driver])
	}
}

plugins {
    id("java")
    id("java-test-fixtures")
}

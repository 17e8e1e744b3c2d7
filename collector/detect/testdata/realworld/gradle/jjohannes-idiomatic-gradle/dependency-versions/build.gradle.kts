plugins {
    id("com.example.idiomatic.gradle.build.module.versions")
}

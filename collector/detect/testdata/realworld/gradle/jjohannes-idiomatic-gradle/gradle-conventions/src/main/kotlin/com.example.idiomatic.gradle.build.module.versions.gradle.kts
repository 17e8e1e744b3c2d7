plugins {
    id("com.example.idiomatic.gradle.build.base.versioning")
    id("com.example.idiomatic.gradle.build.feature.versions-publishing")
}

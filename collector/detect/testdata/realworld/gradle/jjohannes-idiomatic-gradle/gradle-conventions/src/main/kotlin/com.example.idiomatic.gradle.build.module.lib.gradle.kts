plugins {
    id("java-library")
    id("jacoco")
    id("com.example.idiomatic.gradle.build.base.versioning")
    id("com.example.idiomatic.gradle.build.base.dependency-rules")
    id("com.example.idiomatic.gradle.build.feature.compilation")
    id("com.example.idiomatic.gradle.build.feature.unit-testing")
    id("com.example.idiomatic.gradle.build.feature.lib-publishing")
}

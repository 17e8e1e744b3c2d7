pluginManagement {
    repositories {
        gradlePluginPortal()
        maven("https://maven.acme.internal/releases")
    }
    plugins {
        id("com.acme.conventions") version "2.1.0"
    }
}

plugins {
    id("com.gradle.develocity") version "3.17"
}

rootProject.name = "storefront"
include(":api", ":legacy")

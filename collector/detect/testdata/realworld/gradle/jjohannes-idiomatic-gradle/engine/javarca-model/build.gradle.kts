plugins {
    id("com.example.idiomatic.gradle.build.module.lib")
}

dependencies {
    testImplementation(libs.junit.api)
}

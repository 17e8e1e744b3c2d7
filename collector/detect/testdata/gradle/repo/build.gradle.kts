plugins {
    `java-library`
    id("org.springframework.boot") version "3.2.4" apply false
    kotlin("jvm") version "1.9.23"
    alias(libs.plugins.acme.conventions)
}

val otelVersion = "1.36.0"

dependencies {
    implementation(platform("com.acme.platform:acme-platform-bom:4.2.1"))
    implementation("io.opentelemetry:opentelemetry-api:$otelVersion")
    implementation("com.acme.platform:acme-logging:${acmeLoggingVersion}")
    implementation(libs.acme.web)
    implementation(project(":core"))
    testImplementation("org.junit.jupiter:junit-jupiter:5.10.+")
    // implementation("com.acme.legacy:old:1.0")
    /* runtimeOnly("com.acme.legacy:older:1.0") */
    implementation("com.squareup.okhttp3:okhttp") {
        exclude(group = "org.jetbrains.kotlin", module = "kotlin-stdlib")
    }
    implementation(group = "com.acme.platform", name = "acme-auth", version = "4.0.1")
}

tasks.register("printCoords") {
    doLast { println("com.acme:not-a-dependency:1.0") }
}

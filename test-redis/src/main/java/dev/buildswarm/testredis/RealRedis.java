package dev.buildswarm.testredis;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives the annotated test class a real Redis: inject a {@link RedisEndpoint} into a constructor,
 * a {@code @BeforeAll} method or a test method. See {@link RealRedisExtension} for where it comes
 * from.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(RealRedisExtension.class)
public @interface RealRedis {}

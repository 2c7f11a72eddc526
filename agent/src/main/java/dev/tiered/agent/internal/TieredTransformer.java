package dev.tiered.agent.internal;

import static net.bytebuddy.matcher.ElementMatchers.hasDescriptor;
import static net.bytebuddy.matcher.ElementMatchers.named;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.annotation.AnnotationDescription;
import net.bytebuddy.description.annotation.AnnotationValue;
import net.bytebuddy.description.enumeration.EnumerationDescription;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.method.ParameterDescription;
import net.bytebuddy.description.type.TypeDefinition;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.implementation.Implementation;
import net.bytebuddy.implementation.bytecode.StackManipulation;
import net.bytebuddy.implementation.bytecode.constant.IntegerConstant;
import net.bytebuddy.jar.asm.MethodVisitor;
import net.bytebuddy.jar.asm.Opcodes;
import net.bytebuddy.jar.asm.Type;
import net.bytebuddy.pool.TypePool;

import dev.tiered.agent.bootstrap.Bridge;
import dev.tiered.agent.internal.advice.InvalidateAdvice;
import dev.tiered.agent.internal.advice.ObserveAdvice;
import dev.tiered.agent.internal.advice.ReadAdvice;
import dev.tiered.agent.internal.advice.SiteId;
import dev.tiered.runtime.AdvisedMethod;
import dev.tiered.runtime.Advisor;
import dev.tiered.runtime.CachedMethod;
import dev.tiered.runtime.InvalidationSpec;
import dev.tiered.runtime.MethodSpec;
import dev.tiered.runtime.RejectedException;
import dev.tiered.runtime.TieredRuntime;
import dev.tiered.runtime.WriterMethod;
import dev.tiered.runtime.config.Rules;
import dev.tiered.runtime.l2.KeyType;

/**
 * Decides the advice of the {@code @Tiered} and {@code @Invalidates} methods of one class: reads each annotation,
 * has the runtime validate it, numbers the site on the bridge and picks the advice to inline. A method the runtime
 * rejects is left as it is and its problem logged on one line. Everything about a method is resolved here, once;
 * nothing is looked up by name when it runs.
 *
 * <p>A {@linkplain #rehearsal() rehearsal} copy validates and advises without registering anything: the agent runs
 * it on a class of its own while the application starts, so that the first real class pays for no class loading.
 */
final class TieredTransformer {
    static final String TIERED = "dev.tiered.Tiered";
    static final String INVALIDATES = "dev.tiered.Invalidates";
    static final String CACHE_KEY = "dev.tiered.CacheKey";

    private static final Logger LOG = LoggerFactory.getLogger("tiered");
    /** Site numbers of the class being transformed on this thread, by method name and descriptor. */
    private static final ThreadLocal<Map<String, Integer>> CURRENT = new ThreadLocal<>();
    /** The internal name of the anchor class of the transformer working on this thread. */
    private static final ThreadLocal<String> ANCHOR = new ThreadLocal<>();
    private static final int REJECTED = -1;

    /** Null for a rehearsal. */
    private final TieredRuntime runtime;
    /** Where each loader keeps its sites; null for a rehearsal. */
    private final Anchors anchors;
    /**
     * Sites by class loader and method, so that a retransformed class keeps its site numbers: a number n of 0 or
     * more is the loader's anchor's n-th site; -(n + 2), the bridge's n-th (see {@link SiteIdMapping}).
     */
    private final Map<ClassLoader, Map<String, Integer>> sites;
    private final AdviceSet advice;
    /** Loaders already warned of by {@link #checkAnnotationsVisible}. */
    private final Map<ClassLoader, Boolean> blindLoaders = new WeakHashMap<>();
    /** {@code tiered.rules} in effect; {@link Rules#NONE} for a rehearsal. Replaced by {@link #swapRules}. */
    private volatile Rules rules;
    /** What the rules met: see {@link RuleWatch}. */
    private volatile RuleWatch ruleWatch;
    /**
     * The cached methods registered while a rules file is set, by the key of their site ({@link #site}): what a
     * reload retires. Weakly: a method goes with its class loader.
     */
    private final Map<String, List<java.lang.ref.WeakReference<CachedMethod>>> registered = new HashMap<>();

    TieredTransformer(TieredRuntime runtime, Anchors anchors) {
        this(runtime, anchors, Collections.synchronizedMap(new WeakHashMap<>()), new AdviceSet());
    }

    private TieredTransformer(TieredRuntime runtime, Anchors anchors, Map<ClassLoader, Map<String, Integer>> sites,
                              AdviceSet advice) {
        this.runtime = runtime;
        this.anchors = anchors;
        this.sites = sites;
        this.advice = advice;
        this.rules = runtime == null ? Rules.NONE : runtime.config().rules();
        this.ruleWatch = new RuleWatch(rules);
    }

    /** What the rules in effect met so far. */
    RuleWatch ruleWatch() {
        return ruleWatch;
    }

    /** The rules in effect. */
    Rules rules() {
        return rules;
    }

    /**
     * Puts {@code fresh} in effect and returns the classes whose rules changed, as the rules write them (binary
     * names, and patterns: {@link Rules#anyMatches} tells the classes they take): their sites are forgotten and their
     * cached methods retired, so that rewriting them (the caller retransforms the loaded ones) registers their
     * methods anew, from the annotations and the fresh rules.
     */
    Set<String> swapRules(Rules fresh) {
        Set<String> changed = new java.util.TreeSet<>();
        Set<String> all = new java.util.HashSet<>(rules.classNames());
        all.addAll(fresh.classNames());
        for (String c : all) {
            if (!ruled(rules, c).equals(ruled(fresh, c))) {
                changed.add(c);
            }
        }
        rules = fresh;
        ruleWatch = new RuleWatch(fresh);
        List<CachedMethod> retired = new ArrayList<>();
        synchronized (sites) {
            for (Map<String, Integer> byMethod : sites.values()) {
                synchronized (byMethod) {
                    byMethod.keySet().removeIf(key -> Rules.anyMatches(changed, key.substring(0, key.indexOf('#'))));
                }
            }
        }
        synchronized (registered) {
            registered.entrySet().removeIf(e -> {
                if (Rules.anyMatches(changed, e.getKey().substring(0, e.getKey().indexOf('#')))) {
                    e.getValue().stream().map(java.lang.ref.WeakReference::get).filter(java.util.Objects::nonNull)
                            .forEach(retired::add);
                    return true;
                }
                return false;
            });
        }
        retired.forEach(runtime::retire);
        return changed;
    }

    /** A class's rules without where they were written: what a reload compares. */
    private static List<Object> ruled(Rules r, String className) {
        List<Object> out = new ArrayList<>();
        for (Rules.Cache c : r.cache()) {
            if (c.className().equals(className)) {
                out.add(List.of(c.methodName(), c.parameterTypes().toString(), c.ttl(), c.l1Ttl(), c.tier(),
                        c.namespace(), c.cacheKeys()));
            }
        }
        for (Rules.Invalidate i : r.invalidate()) {
            if (i.className().equals(className)) {
                out.add(List.of(i.methodName(), i.parameterTypes().toString(), i.namespaces(), i.cacheKeys()));
            }
        }
        return out;
    }

    /** A copy that does everything but register: its sites are all numbered 0, and never run. */
    TieredTransformer rehearsal() {
        return new TieredTransformer(null, null, Collections.synchronizedMap(new WeakHashMap<>()), advice);
    }

    /**
     * Warns once per class loader when a class that names the annotations has no method advised because its loader
     * cannot see them: the annotations jar is missing from the application (a packaging mistake), and every
     * annotated method of that loader would otherwise run uncached without a word.
     */
    void checkAnnotationsVisible(TypeDescription type, TypePool pool, ClassLoader loader) {
        if (runtime == null || loader == null || pool.describe(TIERED).isResolved()) {
            return;
        }
        synchronized (blindLoaders) {
            if (blindLoaders.put(loader, Boolean.TRUE) != null) {
                return;
            }
        }
        LOG.warn("{} names @Tiered or @Invalidates, but its class loader ({}) cannot see {}: the annotations jar is "
                + "missing from that loader's class path, so the annotated methods of its classes run uncached and "
                + "invalidate nothing; accepted: dev.tiered:tiered-annotations on the application's class path, not "
                + "relocated by shading", type.getName(), loader, TIERED);
    }

    /** Forgets the site numbers of the class just transformed on this thread. */
    static void endOfClass() {
        CURRENT.remove();
        ANCHOR.remove();
    }

    /**
     * The advice for the annotated methods of {@code type}, or null if it has none (or none is accepted). A method
     * is annotated itself, or implements an annotated method of an interface that {@code type} lists (directly or
     * through that interface's super-interfaces): then it is advised as that interface method, one cached method
     * for every class implementing it in the loader (JDK proxies of the interface, such as Spring Data's
     * repositories, included). An abstract interface method itself is not refused: its implementations apply it.
     */
    AsmVisitorWrapper advice(TypeDescription type, ClassLoader loader) {
        Map<String, Integer> ids = new HashMap<>();
        CURRENT.set(ids);
        ANCHOR.set(anchors == null ? "dev/tiered/anchor/Sites" : anchors.internalName);
        AsmVisitorWrapper.ForDeclaredMethods wrapper = null;
        boolean caching = runtime == null || !runtime.config().adviseOnly();
        for (MethodDescription.InDefinedShape m : type.getDeclaredMethods()) {
            AnnotationDescription tiered = null;
            AnnotationDescription invalidates = null;
            TypeDescription owner = type;
            MethodDescription.InDefinedShape declared = m;
            // tiered.advise.only: annotations and rules are not applied, every method is the advisor's to observe
            if (caching && !m.isBridge() && !m.isSynthetic()) {
                tiered = annotation(m, TIERED);
                invalidates = annotation(m, INVALIDATES);
                if ((tiered != null || invalidates != null) && m.isAbstract() && type.isInterface()) {
                    continue; // applied where it is implemented
                }
            }
            if (caching && tiered == null && invalidates == null && implementsInterfaceMethod(type, m)
                    && !(m.isBridge() && annotatedByName(type, m.getInternalName()))) {
                MethodDescription.InDefinedShape implemented = annotatedInterfaceMethod(type, m, 0);
                if (implemented != null) {
                    owner = implemented.getDeclaringType();
                    declared = implemented;
                    tiered = annotation(implemented, TIERED);
                    invalidates = annotation(implemented, INVALIDATES);
                }
            }
            Read read = tiered == null ? null : Read.of(tiered, declared);
            Write write = invalidates == null ? null : Write.of(invalidates, declared);
            Ruled ruled = caching && !rules.isEmpty() && !m.isBridge() && !m.isSynthetic() ? ruled(type, m) : null;
            if (ruled != null) {
                ruleWatch.matched(ruled.cache, ruled.invalidate);
                if ((tiered != null || invalidates != null) && runtime != null) {
                    LOG.info("{}.{}({}): the rule at {} applies instead of its {}", type.getName(),
                            m.getInternalName(), String.join(",", parameterTypes(m)), ruled.origin(),
                            tiered != null ? "@Tiered" : "@Invalidates");
                }
                owner = ruled.owner;
                declared = m;
                read = ruled.cache == null ? null : Read.of(ruled.cache);
                write = ruled.invalidate == null ? null : Write.of(ruled.invalidate);
                if (owner != type && AnnotatedInterfaces.library(owner.getInternalName())) {
                    if (ruleWatch.firstRefusal(ruled.origin()) && runtime != null) {
                        LOG.warn("rules file {}: {}.{}({}) is left out: {} is an interface of a well-known "
                                + "library, implemented by unrelated classes whose results would share one cache; "
                                + "accepted: an interface of the application that extends it, such as "
                                + "com.acme.ProductRepository.{}({})", ruled.origin(), owner.getName(),
                                m.getInternalName(), String.join(", ", parameterTypes(m)), owner.getName(),
                                m.getInternalName(), String.join(", ", parameterTypes(m)));
                    }
                    read = null;
                    write = null;
                }
            }
            if (read == null && write == null) {
                Advice observe = observe(type, m, loader);
                if (observe != null) {
                    wrapper = (wrapper == null ? new AsmVisitorWrapper.ForDeclaredMethods() : wrapper)
                            .invokable(named(m.getInternalName()).and(hasDescriptor(m.getDescriptor())), observe);
                }
                continue;
            }
            String signature = m.getInternalName() + m.getDescriptor();
            int id = site(loader, owner.getName() + "#" + signature, read, write, owner, declared, m);
            if (id == REJECTED) {
                continue;
            }
            ids.put(signature, id);
            Advice chosen = read != null ? advice.read(m.getParameters().size())
                    : write.cacheKeys().isEmpty() ? advice.invalidateWhole() : advice.invalidateKeyed();
            wrapper = (wrapper == null ? new AsmVisitorWrapper.ForDeclaredMethods() : wrapper)
                    .invokable(named(m.getInternalName()).and(hasDescriptor(m.getDescriptor())), chosen);
        }
        return wrapper;
    }

    /**
     * The advice of a method {@code tiered.advise} observes, or null: a concrete method of an advised class that is
     * neither cached nor invalidating, observed as a candidate when it returns a value and every argument has a key
     * encoding, watched as a possible write when it returns nothing.
     */
    private Advice observe(TypeDescription type, MethodDescription.InDefinedShape m, ClassLoader loader) {
        Advisor advisor = runtime == null ? null : runtime.advisor();
        if (advisor == null || type.isInterface() || !advisor.pattern().matches(type.getName()) || m.isBridge()
                || m.isSynthetic() || m.isAbstract() || m.isNative() || m.isConstructor() || m.isTypeInitializer()
                || List.of("toString", "hashCode", "equals").contains(m.getInternalName())
                || m.getInternalName().startsWith("lambda$")) {
            return null;
        }
        boolean writes = m.getReturnType().represents(void.class);
        if (!writes) {
            for (TypeDescription.Generic t : m.getParameters().asTypeList()) {
                if (KeyTypes.of(t) instanceof KeyType.Unsupported) {
                    return null;
                }
            }
        }
        String signature = m.getInternalName() + m.getDescriptor();
        Map<String, Integer> byMethod;
        synchronized (sites) {
            byMethod = sites.computeIfAbsent(loader, l -> new HashMap<>());
        }
        int id;
        synchronized (byMethod) {
            Integer known = byMethod.get(type.getName() + "#" + signature);
            if (known == null) {
                List<String> parameters = parameterTypes(m);
                Object site;
                if (writes) {
                    WriterMethod w = advisor.watchWrites(type.getName(), m.getInternalName(), parameters);
                    site = w == null ? null : new Sites.Observe(null, w);
                } else {
                    AdvisedMethod a = advisor.observe(type.getName(), m.getInternalName(), parameters);
                    site = a == null ? null : new Sites.Observe(a, null);
                }
                if (site == null) {
                    return null; // the advisor's cap is reached
                }
                known = place(site, loader);
                byMethod.put(type.getName() + "#" + signature, known);
            }
            id = known;
        }
        CURRENT.get().put(signature, id);
        return writes ? advice.observeWrite() : advice.observeRead();
    }

    /** The rules that name a method: those of {@code owner}, the class or one of the interfaces it lists. */
    private record Ruled(TypeDescription owner, Rules.Cache cache, Rules.Invalidate invalidate) {
        Rules.Origin origin() {
            return cache != null ? cache.origin() : invalidate.origin();
        }
    }

    /**
     * The rules naming {@code m}: in {@code type} itself, or else, for a method that can implement an interface's,
     * in an interface {@code type} lists, directly or through the application's interfaces (those of the JDK and
     * well-known libraries are matched by name but not followed to their parents); the first found, depth first
     * in declaration order. An interface's rule is matched by the parameters the class declares. Null for none.
     */
    private Ruled ruled(TypeDescription type, MethodDescription.InDefinedShape m) {
        if (m.isAbstract()) {
            return null; // an interface's method without a body: ruled where it is implemented
        }
        List<String> parameters = parameterTypes(m);
        Ruled own = ruled(type, m.getInternalName(), parameters);
        if (own != null || !implementsInterfaceMethod(type, m)) {
            return own;
        }
        return ruledInterface(type, m.getInternalName(), parameters, 0);
    }

    private Ruled ruled(TypeDescription owner, String method, List<String> parameters) {
        if (!rules.namesClass(owner.getName())) {
            return null;
        }
        Rules.Cache cache = rules.cacheRule(owner.getName(), method, parameters);
        Rules.Invalidate invalidate = rules.invalidateRule(owner.getName(), method, parameters);
        return cache == null && invalidate == null ? null : new Ruled(owner, cache, invalidate);
    }

    private Ruled ruledInterface(TypeDefinition type, String method, List<String> parameters, int depth) {
        if (depth > 8) {
            return null;
        }
        for (TypeDescription.Generic i : type.getInterfaces()) {
            TypeDescription face = i.asErasure();
            Ruled found = ruled(face, method, parameters);
            if (found == null && !AnnotatedInterfaces.library(face.getInternalName())) {
                found = ruledInterface(face, method, parameters, depth + 1);
            }
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /**
     * Whether the class annotates a method of this name itself: a bridge to it (javac copies the annotations onto
     * the bridge, which is skipped) must not also be advised as the interface's method.
     */
    private static boolean annotatedByName(TypeDescription type, String name) {
        for (MethodDescription.InDefinedShape m : type.getDeclaredMethods()) {
            if (!m.isBridge() && m.getInternalName().equals(name)
                    && (annotation(m, TIERED) != null || annotation(m, INVALIDATES) != null)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code m} can implement an interface method: an instance method with a body, not private. */
    private static boolean implementsInterfaceMethod(TypeDescription type, MethodDescription.InDefinedShape m) {
        return !type.isInterface() && !m.isAbstract() && !m.isStatic() && !m.isPrivate() && !m.isConstructor()
                && !m.isTypeInitializer() && !type.getInterfaces().isEmpty();
    }

    /**
     * The method of an interface {@code type} lists (or of one of their super-interfaces) with {@code m}'s name and
     * descriptor that carries {@code @Tiered} or {@code @Invalidates}; the first found, depth first in declaration
     * order. Interfaces of the JDK and well-known libraries are not read.
     */
    private static MethodDescription.InDefinedShape annotatedInterfaceMethod(TypeDefinition type,
                                                                           MethodDescription.InDefinedShape m,
                                                                           int depth) {
        if (depth > 8) {
            return null;
        }
        for (TypeDescription.Generic i : type.getInterfaces()) {
            TypeDescription face = i.asErasure();
            if (AnnotatedInterfaces.library(face.getInternalName())) {
                continue;
            }
            for (MethodDescription.InDefinedShape candidate : face.getDeclaredMethods()
                    .filter(named(m.getInternalName()).and(hasDescriptor(m.getDescriptor())))) {
                if (annotation(candidate, TIERED) != null || annotation(candidate, INVALIDATES) != null) {
                    return candidate;
                }
            }
            MethodDescription.InDefinedShape inherited = annotatedInterfaceMethod(face, m, depth + 1);
            if (inherited != null) {
                return inherited;
            }
        }
        return null;
    }

    private int site(ClassLoader loader, String key, Read tiered, Write invalidates,
                     TypeDescription type, MethodDescription.InDefinedShape m,
                     MethodDescription.InDefinedShape implementation) {
        Map<String, Integer> byMethod;
        synchronized (sites) {
            byMethod = sites.computeIfAbsent(loader, l -> new HashMap<>());
        }
        synchronized (byMethod) {
            Integer known = byMethod.get(key);
            if (known != null) {
                return known;
            }
            int id = register(tiered, invalidates, type, m, implementation, loader);
            byMethod.put(key, id);
            return id;
        }
    }

    /**
     * Registers the method {@code m} of {@code type} as annotated; {@code implementation} is the method advised,
     * {@code m} itself or a class's implementation of the interface method {@code m}.
     */
    private int register(Read tiered, Write invalidates, TypeDescription type,
                         MethodDescription.InDefinedShape m, MethodDescription.InDefinedShape implementation,
                         ClassLoader loader) {
        List<String> parameterTypes = parameterTypes(m);
        String name = type.getName() + "." + m.getInternalName() + "(" + String.join(",", parameterTypes) + ")";
        try {
            if (tiered != null && invalidates != null) {
                LOG.warn("{} runs uncached and invalidates nothing: it carries both @Tiered and @Invalidates; "
                        + "accepted: one of them on a method", name);
                return REJECTED;
            }
            if (runtime == null) {
                if (tiered != null) {
                    spec(tiered, type, m, implementation, parameterTypes, loader);
                } else {
                    invalidationSpec(invalidates, type, m, parameterTypes, loader);
                }
                return 0;
            }
            if (tiered != null) {
                CachedMethod method = runtime.register(spec(tiered, type, m, implementation, parameterTypes, loader));
                if (rules.file() != null) {
                    synchronized (registered) {
                        List<java.lang.ref.WeakReference<CachedMethod>> same = registered.computeIfAbsent(
                                type.getName() + "#" + m.getInternalName() + m.getDescriptor(), k -> new ArrayList<>());
                        same.removeIf(r -> r.get() == null);
                        same.add(new java.lang.ref.WeakReference<>(method));
                    }
                }
                return place(new Sites.Read(method), loader);
            }
            return place(new Sites.Invalidate(runtime.registerInvalidation(
                    invalidationSpec(invalidates, type, m, parameterTypes, loader))), loader);
        } catch (RejectedException e) {
            LOG.warn(e.getMessage());
            return REJECTED;
        } catch (RuntimeException | LinkageError e) {
            LOG.warn("{} is left as written: its annotation cannot be read ({})", name, e.toString());
            return REJECTED;
        }
    }

    /** Keeps {@code site} in its loader's anchor, or in the bridge when the loader has none; returns its number. */
    private int place(Object site, ClassLoader loader) {
        Anchors.Anchor anchor = anchors.of(loader);
        if (anchor != null) {
            try {
                return anchor.register(site);
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                LOG.debug("site kept by the bridge: the anchor of {} took none ({})", loader, e.toString());
            }
        }
        return -Bridge.register(site) - 2;
    }

    /** The parameters' Java type names, as rules and {@link MethodSpec} name them. */
    private static List<String> parameterTypes(MethodDescription.InDefinedShape m) {
        List<String> parameterTypes = new ArrayList<>();
        for (TypeDescription t : m.getParameters().asTypeList().asErasures()) {
            parameterTypes.add(t.getActualName());
        }
        return parameterTypes;
    }

    private static InvalidationSpec invalidationSpec(Write a, TypeDescription type,
                                                     MethodDescription.InDefinedShape m, List<String> parameterTypes,
                                                     ClassLoader loader) {
        List<String> namespaces = a.namespaces();
        List<Integer> keys = a.cacheKeys();
        KeyType keyType = null;
        boolean each = false;
        if (!keys.isEmpty()) {
            TypeDescription.Generic key = m.getParameters().get(keys.get(0)).getType();
            TypeDescription raw = key.asErasure();
            if (raw.isArray()) {
                each = true;
                keyType = KeyTypes.of(key.getComponentType());
            } else if (raw.isAssignableTo(Iterable.class)) {
                each = true;
                keyType = key.getSort() == TypeDefinition.Sort.PARAMETERIZED && key.getTypeArguments().size() == 1
                        ? KeyTypes.of(key.getTypeArguments().getOnly())
                        : new KeyType.Unsupported(key.getTypeName() + " without an element type");
            } else {
                keyType = KeyTypes.of(key);
            }
        }
        return new InvalidationSpec(type.getName(), m.getInternalName(), parameterTypes, namespaces, keys, keyType,
                each, loader);
    }

    private static List<Integer> cacheKeyParameters(MethodDescription.InDefinedShape m) {
        List<Integer> keys = new ArrayList<>();
        for (ParameterDescription.InDefinedShape p : m.getParameters()) {
            for (AnnotationDescription a : p.getDeclaredAnnotations()) {
                if (a.getAnnotationType().getName().equals(CACHE_KEY)) {
                    keys.add(p.getIndex());
                }
            }
        }
        return keys;
    }

    private static MethodSpec spec(Read a, TypeDescription type, MethodDescription.InDefinedShape m,
                                   MethodDescription.InDefinedShape implementation, List<String> parameterTypes,
                                   ClassLoader loader) {
        List<KeyType> keyTypes = new ArrayList<>();
        for (TypeDescription.Generic t : m.getParameters().asTypeList()) {
            keyTypes.add(KeyTypes.of(t));
        }
        MethodDescription.InDefinedShape advised = implementation;
        MethodSpec.Kind kind = advised.isTypeInitializer() ? MethodSpec.Kind.STATIC_INITIALIZER
                : advised.isConstructor() ? MethodSpec.Kind.CONSTRUCTOR
                : advised.isAbstract() ? MethodSpec.Kind.ABSTRACT
                : advised.isNative() ? MethodSpec.Kind.NATIVE
                : MethodSpec.Kind.CONCRETE;
        return new MethodSpec(type.getName(), m.getInternalName(), m.getDescriptor(), parameterTypes,
                m.getReturnType().asErasure().getActualName(), kind, a.ttl(), a.l1Ttl(), a.tier(), a.namespace(),
                keyTypes, a.cacheKeys(), loader);
    }

    /** What a cached method declares: its {@code @Tiered} and {@code @CacheKey}s, or a rule. */
    record Read(String ttl, String l1Ttl, String tier, String namespace, List<Integer> cacheKeys) {
        static Read of(AnnotationDescription a, MethodDescription.InDefinedShape m) {
            return new Read(string(a, "ttl"), string(a, "l1Ttl"), enumName(a, "tier"), string(a, "namespace"),
                    cacheKeyParameters(m));
        }

        static Read of(Rules.Cache rule) {
            return new Read(rule.ttl(), rule.l1Ttl(), rule.tier(), rule.namespace(), rule.cacheKeys());
        }
    }

    /** What an invalidating method declares: its {@code @Invalidates} and {@code @CacheKey}s, or a rule. */
    record Write(List<String> namespaces, List<Integer> cacheKeys) {
        static Write of(AnnotationDescription a, MethodDescription.InDefinedShape m) {
            return new Write(List.of(a.getValue("value").resolve(String[].class)), cacheKeyParameters(m));
        }

        static Write of(Rules.Invalidate rule) {
            return new Write(rule.namespaces(), rule.cacheKeys());
        }
    }

    private static AnnotationDescription annotation(MethodDescription.InDefinedShape m, String type) {
        for (AnnotationDescription a : m.getDeclaredAnnotations()) {
            if (a.getAnnotationType().getName().equals(type)) {
                return a;
            }
        }
        return null;
    }

    private static String string(AnnotationDescription a, String property) {
        return a.getValue(property).resolve(String.class);
    }

    /** The constant's name, even when the running annotations jar has no such constant. */
    private static String enumName(AnnotationDescription a, String property) {
        AnnotationValue<?, ?> value = a.getValue(property);
        try {
            Object resolved = value.resolve();
            if (resolved instanceof EnumerationDescription) {
                return ((EnumerationDescription) resolved).getValue();
            }
        } catch (RuntimeException unresolved) {
            // fall through to the textual form
        }
        // an unresolvable constant renders as "dev.tiered.Tier.L3 /* Warning: constant not present! */"
        String text = value.toString();
        int comment = text.indexOf(" /*");
        if (comment >= 0) {
            text = text.substring(0, comment);
        }
        return text.substring(text.lastIndexOf('.') + 1).trim();
    }

    /**
     * The advice classes, each parsed by Byte Buddy the first time a method needs it (some 20 ms each at start-up),
     * and shared by the rehearsal and the real transformer.
     */
    private static final class AdviceSet {
        private static final String[] ENTER = {ReadAdvice.class.getName() + "$Enter0",
                ReadAdvice.class.getName() + "$Enter1", ReadAdvice.class.getName() + "$Enter2",
                ReadAdvice.class.getName() + "$Enter3", ReadAdvice.class.getName() + "$EnterN"};
        private static final String EXIT = ReadAdvice.class.getName() + "$Exit";

        private final Advice.WithCustomMapping mapping =
                Advice.withCustomMapping().bind(SiteId.class, new SiteIdMapping());
        private final ClassFileLocator locator =
                ClassFileLocator.ForClassLoader.of(TieredTransformer.class.getClassLoader());
        /**
         * Describes the advice classes from their class files rather than through reflection on loaded classes,
         * which would have the JDK spin a proxy class for every annotation it reads: far cheaper at start-up.
         */
        private final TypePool pool = TypePool.Default.of(locator);
        private final Advice[] read = new Advice[ENTER.length];
        private Advice invalidateWhole;
        private Advice invalidateKeyed;

        synchronized Advice read(int arity) {
            int i = Math.min(arity, ENTER.length - 1);
            if (read[i] == null) {
                read[i] = mapping.to(type(ENTER[i]), type(EXIT), locator);
            }
            return read[i];
        }

        synchronized Advice invalidateWhole() {
            if (invalidateWhole == null) {
                invalidateWhole = mapping.to(type(InvalidateAdvice.class.getName() + "$Whole"), locator);
            }
            return invalidateWhole;
        }

        private Advice observeRead;
        private Advice observeWrite;

        synchronized Advice observeRead() {
            if (observeRead == null) {
                observeRead = mapping.to(type(ObserveAdvice.class.getName() + "$Read"), locator);
            }
            return observeRead;
        }

        synchronized Advice observeWrite() {
            if (observeWrite == null) {
                observeWrite = mapping.to(type(ObserveAdvice.class.getName() + "$Write"), locator);
            }
            return observeWrite;
        }

        synchronized Advice invalidateKeyed() {
            if (invalidateKeyed == null) {
                invalidateKeyed = mapping.to(type(InvalidateAdvice.class.getName() + "$Keyed"), locator);
            }
            return invalidateKeyed;
        }

        private TypeDescription type(String name) {
            return pool.describe(name).resolve();
        }
    }

    /**
     * Resolves {@link SiteId} to the site of the method being instrumented: read from the static array of the
     * anchor class in the instrumented class's own loader ({@code Sites.SITES[n]}), or from the bridge
     * ({@code Bridge.site(n)}), {@code n} being a constant.
     */
    private static final class SiteIdMapping implements Advice.OffsetMapping {
        @Override
        public Target resolve(TypeDescription instrumentedType, MethodDescription instrumentedMethod,
                              Assigner assigner, Advice.ArgumentHandler argumentHandler, Sort sort) {
            Map<String, Integer> ids = CURRENT.get();
            Integer id = ids == null ? null
                    : ids.get(instrumentedMethod.getInternalName() + instrumentedMethod.getDescriptor());
            if (id == null) {
                throw new IllegalStateException("no site was numbered for " + instrumentedMethod);
            }
            return new Target.ForStackManipulation(new SiteLoad(id, ANCHOR.get()));
        }
    }

    /** Pushes one site: see {@link SiteIdMapping}. */
    private static final class SiteLoad extends StackManipulation.AbstractBase {
        private final int id;
        /** The internal name of the anchor class, for a site in an anchor. */
        private final String anchor;

        SiteLoad(int id, String anchor) {
            this.id = id;
            this.anchor = anchor;
        }

        @Override
        public Size apply(MethodVisitor visitor, Implementation.Context context) {
            if (id >= 0) {
                visitor.visitFieldInsn(Opcodes.GETSTATIC, anchor, Anchors.SITES, "[Ljava/lang/Object;");
                Size number = IntegerConstant.forValue(id).apply(visitor, context);
                visitor.visitInsn(Opcodes.AALOAD);
                return new Size(1, 1 + number.getMaximalSize());
            }
            IntegerConstant.forValue(-id - 2).apply(visitor, context);
            visitor.visitMethodInsn(Opcodes.INVOKESTATIC, Type.getInternalName(Bridge.class), "site",
                    "(I)Ljava/lang/Object;", false);
            return new Size(1, 1);
        }
    }
}
